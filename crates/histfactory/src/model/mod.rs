//! The compiled model: pyhf's parameter table and flat per-sample arrays.
//!
//! [`ModelBuilder`] turns a [`Workspace`](crate::spec::Workspace) (one measurement, optional
//! patches and settings) into a [`Model`] once; evaluation then runs over plain slices with
//! no strings, hashing or dynamic dispatch per bin (see [`crate::likelihood`]).
//!
//! Order conventions are pyhf 0.7.6's: channels sorted by name, main bins concatenated in
//! that order, parameter sets grouped by modifier type (histosys, lumi, normfactor,
//! normsys, shapefactor, shapesys, staterror) and by first appearance within a type.
//!
//! ```
//! use histfactory::model::simple::uncorrelated_background;
//! let model = uncorrelated_background(&[12.0, 11.0], &[50.0, 52.0], &[3.0, 7.0])?;
//! assert_eq!(model.par_names(), ["mu", "uncorr_bkguncrt[0]", "uncorr_bkguncrt[1]"]);
//! assert_eq!(model.poi_index(), Some(0));
//! # Ok::<(), histfactory::Error>(())
//! ```

mod build;
pub(crate) mod interp;
pub(crate) mod modifiers;
mod params;
pub mod simple;

pub use build::ModelBuilder;
pub use interp::{HistoSysCode, NormSysCode};
pub use params::{Constraint, ParameterSet};

use crate::spec::ModifierKind;
use modifiers::NormSysTable;

/// Errors of the model layer: a workspace that cannot become a model, or inputs of the
/// wrong shape for evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The workspace is not valid as a document.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    /// A parameter set is defined inconsistently across modifiers or by the measurement.
    #[error("parameter \"{name}\": {message}")]
    Parameter {
        /// Parameter-set name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The POI named by the measurement or the caller does not exist or is not scalar.
    #[error("{0}")]
    Poi(String),
    /// A parameter vector or data vector of the wrong length.
    #[error("{what}: expected {expected} values, found {found}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Given length.
        found: usize,
    },
    /// A channel has no observation, so the data vector cannot be built.
    #[error("channel \"{0}\" has no observation in the workspace")]
    MissingObservation(String),
    /// A rate that is negative or not finite, so the Poisson term is undefined.
    #[error("{0}")]
    InvalidRate(String),
    /// A yield or a modifier's value that the likelihood cannot be evaluated with, found
    /// while building (a negative bin rate, a normsys factor of 0, an infinite tau).
    #[error("{place}: {message}")]
    InvalidValue {
        /// Where: channel, sample, modifier and bin (boxed, to keep the error small).
        place: Box<ValuePlace>,
        /// What is wrong and why it cannot be evaluated.
        message: String,
    },
}

/// Where a [`ModelError::InvalidValue`] is: displayed as
/// `channel "SR", sample "bkg", modifier "unc" (shapesys), bin 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuePlace {
    /// Channel name.
    pub channel: String,
    /// Sample name.
    pub sample: String,
    /// Modifier name and type (`"unc" (shapesys)`), if a modifier's value is at fault.
    pub modifier: Option<String>,
    /// Bin within the channel, if one bin is at fault.
    pub bin: Option<usize>,
}

impl std::fmt::Display for ValuePlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "channel \"{}\", sample \"{}\"",
            self.channel, self.sample
        )?;
        if let Some(m) = &self.modifier {
            write!(f, ", modifier {m}")?;
        }
        if let Some(b) = self.bin {
            write!(f, ", bin {b}")?;
        }
        Ok(())
    }
}

/// Where a channel's bins sit in the main data vector.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelInfo {
    /// Channel name.
    pub name: String,
    /// Number of bins.
    pub nbins: usize,
    /// Index of its first bin among the main bins.
    pub offset: usize,
}

/// Options that change how the model is built or evaluated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelOptions {
    /// Interpolation code of every normsys modifier (pyhf default `code4`).
    pub normsys_code: NormSysCode,
    /// Interpolation code of every histosys modifier (pyhf default `code4p`).
    pub histosys_code: HistoSysCode,
    /// Clip each sample's rate from below at this value (pyhf's `clip_sample_data`).
    pub clip_sample: Option<f64>,
    /// Clip each bin's total rate from below at this value (pyhf's `clip_bin_data`).
    pub clip_bin: Option<f64>,
}

/// One sample in one channel: its nominal yields and everything acting on them.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    /// Channel index (sorted order) and sample name, for messages.
    pub channel: usize,
    pub sample: String,
    /// First main bin and number of bins.
    pub offset: usize,
    pub nominal: Vec<f64>,
    /// The block's normsys factors: this range of [`Model::normsys`], evaluated for all
    /// blocks at once before the per-block pass.
    pub normsys: std::ops::Range<usize>,
    /// Parameters of the block's normfactor and lumi factors (the factor is the parameter).
    pub direct: Vec<usize>,
    /// Histosys terms with a non-zero delta: parameter of term `t` is `histo_params[t]`,
    /// its per-bin `up = hi - nom` and `dn = nom - lo` are `histo_up[t*n..(t+1)*n]` and
    /// `histo_dn[..]` (`n` bins). One flat array per block instead of two small vectors
    /// per term: 1Lbb's blocks have one or two bins, so per-term pointer chasing and
    /// iterator setup, not arithmetic, dominated the loop.
    pub histo_params: Vec<usize>,
    pub histo_up: Vec<f64>,
    pub histo_dn: Vec<f64>,
    /// First parameter index of each per-bin factor (shapefactor, shapesys, staterror):
    /// bin `j` is multiplied by `pars[start + j]`.
    pub binwise: Vec<usize>,
}

/// A Gaussian constraint term: auxiliary datum `aux_index` around parameter `param`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GaussTerm {
    pub param: usize,
    pub sigma: f64,
}

/// A Poisson constraint term: `Pois(aux | pars[param] * factor)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoissonTerm {
    pub param: usize,
    pub factor: f64,
}

/// A HistFactory model compiled for evaluation.
///
/// Build one with [`ModelBuilder`] or the [`simple`] models. Parameter vectors follow
/// [`Model::par_names`]; data vectors are the main counts (channels in sorted order)
/// followed by [`Model::auxdata`].
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) channels: Vec<ChannelInfo>,
    pub(crate) samples: Vec<String>,
    pub(crate) param_sets: Vec<ParameterSet>,
    pub(crate) par_names: std::sync::Arc<[String]>,
    pub(crate) init: Vec<f64>,
    pub(crate) bounds: Vec<[f64; 2]>,
    pub(crate) fixed: Vec<bool>,
    pub(crate) poi: Option<usize>,
    pub(crate) n_main: usize,
    pub(crate) blocks: Vec<Block>,
    /// Parameters used by histosys terms (normsys parameters: [`NormSysTable::params`]): their alpha-dependent
    /// coefficients are computed once per evaluation, not once per sample.
    pub(crate) histo_params: Vec<usize>,
    /// Every normsys factor of every block, block by block.
    pub(crate) normsys: NormSysTable,
    /// Constraint terms in auxdata order: Gaussian and Poisson interleaved as pyhf orders
    /// auxdata (par_order restricted to constrained sets).
    pub(crate) constraints: Vec<ConstraintTerm>,
    pub(crate) auxdata: Vec<f64>,
    pub(crate) options: ModelOptions,
    /// Observed main counts from the workspace, if every channel has one.
    pub(crate) observed: Option<Vec<f64>>,
}

/// One constraint term, in auxdata order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstraintTerm {
    Gauss(GaussTerm),
    Poisson(PoissonTerm),
}

impl Model {
    /// Bytes held by the compiled evaluation arrays (nominal yields, modifier tables,
    /// constraint terms, auxdata): what a likelihood evaluation reads. Names, parameter
    /// metadata and the observed data are not counted.
    pub fn compiled_bytes(&self) -> usize {
        use std::mem::size_of;
        let blocks: usize = self
            .blocks
            .iter()
            .map(|b| {
                size_of::<Block>()
                    + b.nominal.len() * size_of::<f64>()
                    + b.direct.len() * size_of::<usize>()
                    + b.binwise.len() * size_of::<usize>()
                    + b.histo_params.len() * size_of::<usize>()
                    + (b.histo_up.len() + b.histo_dn.len()) * size_of::<f64>()
            })
            .sum();
        blocks
            + self.histo_params.len() * size_of::<usize>()
            + self.normsys.bytes()
            + self.constraints.len() * size_of::<ConstraintTerm>()
            + self.auxdata.len() * size_of::<f64>()
    }

    /// Number of parameters.
    pub fn n_pars(&self) -> usize {
        self.par_names.len()
    }
    /// Number of main bins (all channels).
    pub fn n_main(&self) -> usize {
        self.n_main
    }
    /// Number of auxiliary data.
    pub fn n_aux(&self) -> usize {
        self.auxdata.len()
    }
    /// Channels in pyhf's (sorted) order with their bin ranges.
    pub fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    /// All sample names, sorted.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }
    /// Parameter sets in pyhf's `par_order`.
    pub fn parameter_sets(&self) -> &[ParameterSet] {
        &self.param_sets
    }
    /// pyhf's `par_order`: parameter-set names.
    pub fn par_order(&self) -> Vec<&str> {
        self.param_sets.iter().map(|p| p.name.as_str()).collect()
    }
    /// Names of the individual parameters (`name` for scalar sets, `name[i]` otherwise).
    pub fn par_names(&self) -> &[String] {
        &self.par_names
    }
    /// The parameter names as one shared allocation, for results that carry them.
    pub(crate) fn shared_par_names(&self) -> std::sync::Arc<[String]> {
        self.par_names.clone()
    }
    /// Index of the parameter called `name` (as in [`Model::par_names`]).
    pub fn par_index(&self, name: &str) -> Option<usize> {
        self.par_names.iter().position(|n| n == name)
    }
    /// The parameter set that parameter `index` belongs to.
    pub fn parameter_set_of(&self, index: usize) -> Option<&ParameterSet> {
        self.param_sets
            .iter()
            .find(|p| index >= p.offset && index < p.offset + p.n_pars)
    }
    /// Suggested initial values.
    pub fn suggested_init(&self) -> Vec<f64> {
        self.init.clone()
    }
    /// Suggested bounds `[lo, hi]`.
    pub fn suggested_bounds(&self) -> Vec<[f64; 2]> {
        self.bounds.clone()
    }
    /// Which parameters fits hold constant by default.
    pub fn suggested_fixed(&self) -> Vec<bool> {
        self.fixed.clone()
    }
    /// Index of the parameter of interest, if the model has one.
    pub fn poi_index(&self) -> Option<usize> {
        self.poi
    }
    /// Name of the parameter of interest, if the model has one.
    pub fn poi_name(&self) -> Option<&str> {
        self.poi
            .and_then(|i| self.parameter_set_of(i))
            .map(|p| p.name.as_str())
    }
    /// Auxiliary data in pyhf's order.
    pub fn auxdata(&self) -> &[f64] {
        &self.auxdata
    }
    /// The options the model was built with.
    pub fn options(&self) -> &ModelOptions {
        &self.options
    }
    /// Bins per channel.
    pub fn channel_nbins(&self) -> Vec<(&str, usize)> {
        self.channels
            .iter()
            .map(|c| (c.name.as_str(), c.nbins))
            .collect()
    }

    /// The workspace's observed main counts (channels in sorted order).
    pub fn observed_main(&self) -> Result<&[f64], ModelError> {
        self.observed.as_deref().ok_or_else(|| {
            ModelError::MissingObservation(
                self.channels
                    .first()
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
            )
        })
    }

    /// The workspace's observations followed by the auxdata, as `pyhf.Workspace.data(model)`.
    pub fn observed_data(&self) -> Result<Vec<f64>, ModelError> {
        let main = self.observed_main()?;
        let mut d = main.to_vec();
        d.extend_from_slice(&self.auxdata);
        Ok(d)
    }

    /// `main` counts followed by the model's auxdata.
    pub fn data_with_auxdata(&self, main: &[f64]) -> Result<Vec<f64>, ModelError> {
        if main.len() != self.n_main {
            return Err(ModelError::Length {
                what: "main data",
                expected: self.n_main,
                found: main.len(),
            });
        }
        let mut d = main.to_vec();
        d.extend_from_slice(&self.auxdata);
        Ok(d)
    }

    /// Checks a parameter vector's length.
    pub(crate) fn check_pars(&self, pars: &[f64]) -> Result<(), ModelError> {
        if pars.len() != self.n_pars() {
            return Err(ModelError::Length {
                what: "parameters",
                expected: self.n_pars(),
                found: pars.len(),
            });
        }
        Ok(())
    }

    /// Checks a data vector's length (main + aux).
    pub(crate) fn check_data(&self, data: &[f64]) -> Result<(), ModelError> {
        let n = self.n_main + self.n_aux();
        if data.len() != n {
            return Err(ModelError::Length {
                what: "data (main + auxdata)",
                expected: n,
                found: data.len(),
            });
        }
        Ok(())
    }

    /// Suggested initial values, borrowed ([`Model::suggested_init`] returns a copy, as pyhf).
    pub fn init(&self) -> &[f64] {
        &self.init
    }
    /// Suggested bounds `[lo, hi]`, borrowed.
    pub fn bounds(&self) -> &[[f64; 2]] {
        &self.bounds
    }
    /// Which parameters fits hold constant by default, borrowed.
    pub fn fixed(&self) -> &[bool] {
        &self.fixed
    }

    /// Parameters whose interpolation has a kink at alpha = 0 under the model's codes
    /// (normsys `code1`, histosys `code0`), sorted: there the one-sided derivatives differ,
    /// so a minimum can sit on the kink without a zero gradient.
    pub fn kinked_params(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if self.options.normsys_code == NormSysCode::Code1 {
            out.extend(self.normsys.params());
        }
        if self.options.histosys_code == HistoSysCode::Code0 {
            out.extend(&self.histo_params);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether any parameter has an interpolation kink at alpha = 0 ([`Model::kinked_params`]).
    pub fn has_kinks(&self) -> bool {
        (self.options.normsys_code == NormSysCode::Code1 && !self.normsys.params().is_empty())
            || (self.options.histosys_code == HistoSysCode::Code0 && !self.histo_params.is_empty())
    }

    /// Whether rates are clipped from below (pyhf's `clip_sample_data` / `clip_bin_data`).
    pub fn clips_rates(&self) -> bool {
        self.options.clip_sample.is_some() || self.options.clip_bin.is_some()
    }

    /// Number of (sample, bin) rates: the bins of every sample in every channel.
    pub fn n_sample_bins(&self) -> usize {
        self.blocks.iter().map(|b| b.nominal.len()).sum()
    }

    /// Number of normsys factors (one per normsys modifier on each sample).
    pub(crate) fn n_normsys_factors(&self) -> usize {
        self.normsys.len()
    }

    /// Constraint terms in auxdata order.
    pub(crate) fn constraint_terms(&self) -> &[ConstraintTerm] {
        &self.constraints
    }

    /// The kind of modifier that defines parameter `index`.
    pub fn parameter_kind(&self, index: usize) -> Option<ModifierKind> {
        self.parameter_set_of(index).map(|p| p.kind)
    }
}

/// Reallocates `v` to its length. The model's tables are built by pushing, which leaves up
/// to half of each allocation unused for the model's lifetime, and `shrink_to_fit` may
/// keep the block (mimalloc does when at least half of it is used). The elements are
/// moved, not cloned, into an allocation of exactly their number.
pub(crate) fn exact<T>(v: &mut Vec<T>) {
    if v.capacity() > v.len() {
        let mut e = Vec::with_capacity(v.len());
        e.append(v);
        *v = e;
    }
}
