//! Compiling a workspace into a [`Model`]: pyhf's parameter bookkeeping, then flat arrays.
//!
//! [`compile`] is the driver; what each modifier type asks of its parameters and how it
//! places itself into the arrays is its own module's business ([`super::modifiers`]).

use super::modifiers::{self, param_err, Collector, NormSysTable, Requirements};
use super::params::{Constraint, ParameterSet};
use super::{
    exact, Block, ChannelInfo, ConstraintTerm, GaussTerm, Model, ModelError, ModelOptions,
    PoissonTerm, ValuePlace,
};
use crate::spec::{Channel, ModifierKind, ParameterConfig, Workspace};
use std::collections::HashMap;

/// Which parameter of interest the model gets.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PoiChoice {
    /// The measurement's `config.poi`.
    #[default]
    FromMeasurement,
    /// A parameter named by the caller.
    Named(String),
    /// No POI (pyhf's `poi_name=None`).
    None,
}

/// Builds a [`Model`] from a workspace: choose the measurement, POI and interpolation codes.
///
/// ```
/// use histfactory::model::{ModelBuilder, NormSysCode};
/// use histfactory::spec::Workspace;
/// let ws = Workspace::from_path("../../fixtures/reference/workspaces/seed_model.json".as_ref())?;
/// let model = ModelBuilder::new(&ws).normsys_code(NormSysCode::Code1).build()?;
/// assert_eq!(model.par_names(), ["mu", "uncorr_bkguncrt[0]"]);
/// # Ok::<(), histfactory::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ModelBuilder<'a> {
    ws: &'a Workspace,
    measurement: Option<String>,
    poi: PoiChoice,
    options: ModelOptions,
}

impl<'a> ModelBuilder<'a> {
    /// Starts from the first measurement, its POI and pyhf's default settings.
    pub fn new(ws: &'a Workspace) -> Self {
        ModelBuilder {
            ws,
            measurement: None,
            poi: PoiChoice::FromMeasurement,
            options: ModelOptions::default(),
        }
    }
    /// Uses the measurement called `name`.
    #[must_use]
    pub fn measurement(mut self, name: impl Into<String>) -> Self {
        self.measurement = Some(name.into());
        self
    }
    /// Overrides the measurement's POI.
    #[must_use]
    pub fn poi(mut self, name: impl Into<String>) -> Self {
        self.poi = PoiChoice::Named(name.into());
        self
    }
    /// Builds the model without a POI.
    #[must_use]
    pub fn no_poi(mut self) -> Self {
        self.poi = PoiChoice::None;
        self
    }
    /// Sets the POI choice directly.
    #[must_use]
    pub fn poi_choice(mut self, choice: PoiChoice) -> Self {
        self.poi = choice;
        self
    }
    /// Interpolation code for all normsys modifiers.
    #[must_use]
    pub fn normsys_code(mut self, code: super::NormSysCode) -> Self {
        self.options.normsys_code = code;
        self
    }
    /// Interpolation code for all histosys modifiers.
    #[must_use]
    pub fn histosys_code(mut self, code: super::HistoSysCode) -> Self {
        self.options.histosys_code = code;
        self
    }
    /// All options at once.
    #[must_use]
    pub fn options(mut self, options: ModelOptions) -> Self {
        self.options = options;
        self
    }

    /// Compiles the model.
    pub fn build(self) -> Result<Model, ModelError> {
        let m = self.ws.measurement(self.measurement.as_deref())?;
        let poi = match self.poi {
            PoiChoice::FromMeasurement => Some(m.poi.clone()),
            PoiChoice::Named(n) => Some(n),
            PoiChoice::None => None,
        };
        let mut model = compile(
            &self.ws.channels,
            &m.parameters,
            poi.as_deref(),
            self.options,
        )?;
        let mut observed = Vec::with_capacity(model.n_main);
        for c in &model.channels {
            match self.ws.observation(&c.name) {
                Some(o) => observed.extend_from_slice(&o.data),
                None => {
                    observed.clear();
                    break;
                }
            }
        }
        if observed.len() == model.n_main {
            model.observed = Some(observed);
        }
        Ok(model)
    }
}

/// The parameter table and the compiled arrays of a model, in pyhf's orders.
pub(crate) fn compile(
    channels: &[Channel],
    configs: &[ParameterConfig],
    poi: Option<&str>,
    options: ModelOptions,
) -> Result<Model, ModelError> {
    crate::spec::validate_channels(channels)?;

    // pyhf sorts channels and samples by name; every order below derives from these.
    let mut sorted: Vec<&Channel> = channels.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut samples: Vec<String> = channels
        .iter()
        .flat_map(|c| c.samples.iter().map(|s| s.name.clone()))
        .collect();
    samples.sort();
    samples.dedup();

    check_nominal_rates(&sorted, &options)?;
    let mut sets = parameter_sets(requirements(&sorted)?)?;
    for cfg in configs {
        if let Some(set) = sets.iter_mut().find(|p| p.name == cfg.name) {
            apply_config(set, cfg)?;
        }
    }
    for set in &sets {
        modifiers::check_set(set)?;
    }
    let par_names = assign_offsets(&mut sets);
    let init: Vec<f64> = sets.iter().flat_map(|s| s.inits.iter().copied()).collect();
    let bounds: Vec<[f64; 2]> = sets.iter().flat_map(|s| s.bounds.iter().copied()).collect();
    let fixed: Vec<bool> = sets.iter().flat_map(|s| s.fixed.iter().copied()).collect();
    let poi = poi.map(|name| poi_index(&sets, name)).transpose()?;

    let Placed {
        channels: channel_infos,
        mut blocks,
        mut normsys,
        n_main,
    } = place(&sorted, &sets, &options);
    let (mut constraints, mut auxdata) = constraint_terms(&sets);

    let mut histo_params: Vec<usize> = blocks
        .iter()
        .flat_map(|b| b.histo_params.iter().copied())
        .collect();
    histo_params.sort_unstable();
    histo_params.dedup();

    for b in &mut blocks {
        for v in [&mut b.direct, &mut b.histo_params, &mut b.binwise] {
            exact(v);
        }
        exact(&mut b.histo_up);
        exact(&mut b.histo_dn);
    }
    exact(&mut blocks);
    exact(&mut constraints);
    exact(&mut auxdata);
    normsys.shrink_exact();

    Ok(Model {
        histo_params,
        normsys,
        channels: channel_infos,
        samples,
        param_sets: sets,
        par_names: par_names.into(),
        init,
        bounds,
        fixed,
        poi,
        n_main,
        blocks,
        constraints,
        auxdata,
        options,
        observed: None,
    })
}

/// Below this a positive bin rate is refused: the likelihood's gradient divides counts
/// by rates, and counts up to 1e18 divided by 1e-290 stay finite (a rate of
/// `f64::MIN_POSITIVE`, 2.2e-308, gave a NaN gradient with 5 counts).
const SMALLEST_RATE: f64 = 1e-290;

/// An error unless every bin's nominal rate (the sum of its samples' yields, the rate at
/// nominal parameters) is finite and either 0 or at least [`SMALLEST_RATE`]. A Poisson
/// mean below 0 has no probability: pyhf's logpdf is NaN there for any positive count,
/// and so is every fit's start. Single samples may be negative when the bin's sum is not
/// (as pyhf, for interference or negative-weight samples), and with pyhf's clipping
/// options every bin rate is clipped before it is used, so those models are left alone.
fn check_nominal_rates(sorted: &[&Channel], options: &ModelOptions) -> Result<(), ModelError> {
    let clipped = options.clip_sample.is_some() || options.clip_bin.is_some();
    for c in sorted {
        let nbins = c.samples[0].data.len();
        for j in 0..nbins {
            let total: f64 = c.samples.iter().map(|s| s.data[j]).sum();
            let fault = if !total.is_finite() {
                Some(format!("the bin's nominal rate {total:?} is not finite"))
            } else if total < 0.0 && !clipped {
                Some(format!(
                    "the bin's nominal rate is {total:?}, below 0 (a Poisson mean must not be negative; the clip_sample/clip_bin options clip such rates)"
                ))
            } else if total > 0.0 && total < SMALLEST_RATE {
                Some(format!(
                    "the bin's nominal rate {total:?} is positive but below {SMALLEST_RATE:e}, too small to divide counts by"
                ))
            } else {
                None
            };
            if let Some(message) = fault {
                // The sample to name: the most negative yield of a negative sum, the
                // largest one of a sum too large or too small.
                let s = if total < 0.0 {
                    c.samples
                        .iter()
                        .min_by(|a, b| a.data[j].total_cmp(&b.data[j]))
                } else {
                    c.samples
                        .iter()
                        .max_by(|a, b| a.data[j].abs().total_cmp(&b.data[j].abs()))
                }
                .expect("a channel has samples (validated)");
                let message = if c.samples.len() > 1 {
                    format!("{message} (sample yield {:?})", s.data[j])
                } else {
                    message
                };
                return Err(ModelError::InvalidValue {
                    place: Box::new(ValuePlace {
                        channel: c.name.clone(),
                        sample: s.name.clone(),
                        modifier: None,
                        bin: Some(j),
                    }),
                    message,
                });
            }
        }
    }
    Ok(())
}

/// Every modifier occurrence's requirement, visited in pyhf's order: channels, samples
/// and, within a sample, modifiers sorted by (name, type).
fn requirements(sorted: &[&Channel]) -> Result<Requirements, ModelError> {
    let mut collector = Collector::default();
    for c in sorted {
        let nbins = c.samples[0].data.len();
        let mut csamples: Vec<_> = c.samples.iter().collect();
        csamples.sort_by(|a, b| a.name.cmp(&b.name));
        for s in csamples {
            let mut mods: Vec<_> = s.modifiers.iter().collect();
            mods.sort_by(|a, b| {
                (a.name.as_str(), a.data.kind().as_str())
                    .cmp(&(b.name.as_str(), b.data.kind().as_str()))
            });
            for m in mods {
                collector.add(c, s, m, nbins)?;
            }
        }
    }
    collector.finish()
}

/// The parameter sets, merged across types in `histfactory_set` order; a name already
/// placed (histosys and normsys sharing an alpha) keeps its first position and must agree.
fn parameter_sets(mut per_type: Requirements) -> Result<Vec<ParameterSet>, ModelError> {
    let mut sets: Vec<ParameterSet> = Vec::new();
    for kind in ModifierKind::ALL {
        for (name, req) in per_type.remove(&kind).unwrap_or_default() {
            if let Some(existing) = sets.iter().find(|p| p.name == name) {
                let compatible = existing.n_pars == req.n
                    && existing.is_scalar == req.is_scalar
                    && existing.inits == req.inits
                    && existing.bounds == req.bounds
                    && existing.constraint == req.constraint;
                if !compatible {
                    return Err(param_err(
                        &name,
                        format!(
                            "used by a {} and a {kind} modifier whose parameters disagree (type of constraint, count, inits or bounds)",
                            existing.kind
                        ),
                    ));
                }
                continue;
            }
            sets.push(ParameterSet {
                name,
                kind: req.kind,
                n_pars: req.n,
                offset: 0,
                is_scalar: req.is_scalar,
                inits: req.inits,
                bounds: req.bounds,
                fixed: req.fixed,
                constraint: req.constraint,
            });
        }
    }
    Ok(sets)
}

/// Gives each set its offset in the parameter vector; returns the parameters' names
/// (`name` for scalar sets, `name[i]` otherwise).
fn assign_offsets(sets: &mut [ParameterSet]) -> Vec<String> {
    let mut offset = 0;
    let mut par_names = Vec::new();
    for set in sets {
        set.offset = offset;
        offset += set.n_pars;
        if set.is_scalar {
            par_names.push(set.name.clone());
        } else {
            par_names.extend((0..set.n_pars).map(|i| format!("{}[{i}]", set.name)));
        }
    }
    par_names
}

/// The index of the POI `name`.
fn poi_index(sets: &[ParameterSet], name: &str) -> Result<usize, ModelError> {
    let set = sets.iter().find(|p| p.name == name).ok_or_else(|| {
        ModelError::Poi(format!(
            "the POI \"{name}\" is not defined by any modifier (parameters: {})",
            sets.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    // pyhf accepts any set of exactly one parameter (even a one-bin shapesys).
    if set.n_pars != 1 {
        return Err(ModelError::Poi(format!(
            "the POI \"{name}\" must be a single parameter, but it is a {} with {} parameters",
            set.kind, set.n_pars
        )));
    }
    Ok(set.offset)
}

/// The compiled arrays of every (channel, sample) block.
struct Placed {
    channels: Vec<ChannelInfo>,
    blocks: Vec<Block>,
    normsys: NormSysTable,
    n_main: usize,
}

/// Places every sample's modifiers into its block, channels and samples in sorted order
/// and modifiers in the workspace's.
fn place(sorted: &[&Channel], sets: &[ParameterSet], options: &ModelOptions) -> Placed {
    let index_of: HashMap<&str, usize> = sets.iter().map(|p| (p.name.as_str(), p.offset)).collect();
    let mut channel_infos = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut n_main = 0;
    // Normsys factors of every block, block by block, in one flat table (see
    // [`NormSysTable`]); each block owns a contiguous range of it.
    let mut normsys = NormSysTable::default();
    for (ci, c) in sorted.iter().enumerate() {
        let nbins = c.samples[0].data.len();
        channel_infos.push(ChannelInfo {
            name: c.name.clone(),
            nbins,
            offset: n_main,
        });
        let mut csamples: Vec<_> = c.samples.iter().collect();
        csamples.sort_by(|a, b| a.name.cmp(&b.name));
        for s in csamples {
            let mut block = Block {
                channel: ci,
                sample: s.name.clone(),
                offset: n_main,
                nominal: s.data.clone(),
                normsys: normsys.len()..normsys.len(),
                direct: Vec::new(),
                histo_params: Vec::new(),
                histo_up: Vec::new(),
                histo_dn: Vec::new(),
                binwise: Vec::new(),
            };
            for m in &s.modifiers {
                let p = index_of[m.name.as_str()];
                modifiers::place(m, s, p, &mut block, &mut normsys, options);
            }
            block.normsys.end = normsys.len();
            blocks.push(block);
        }
        n_main += nbins;
    }
    Placed {
        channels: channel_infos,
        blocks,
        normsys,
        n_main,
    }
}

/// Constraint terms and their auxdata, in pyhf's auxdata order (`par_order` restricted to
/// constrained sets).
fn constraint_terms(sets: &[ParameterSet]) -> (Vec<ConstraintTerm>, Vec<f64>) {
    let mut constraints = Vec::new();
    let mut auxdata = Vec::new();
    for set in sets {
        match &set.constraint {
            Constraint::None => {}
            Constraint::Normal { auxdata: a, sigmas } => {
                for i in 0..set.n_pars {
                    constraints.push(ConstraintTerm::Gauss(GaussTerm {
                        param: set.offset + i,
                        sigma: sigmas[i],
                    }));
                    auxdata.push(a[i]);
                }
            }
            Constraint::Poisson {
                auxdata: a,
                factors,
            } => {
                for i in 0..set.n_pars {
                    constraints.push(ConstraintTerm::Poisson(PoissonTerm {
                        param: set.offset + i,
                        factor: factors[i],
                    }));
                    auxdata.push(a[i]);
                }
            }
        }
    }
    (constraints, auxdata)
}

/// Applies one measurement parameter configuration to its set, as pyhf's
/// `reduce_paramsets_requirements`: lists must have the set's length, and a field the
/// set's constraint does not use is an error.
fn apply_config(set: &mut ParameterSet, cfg: &ParameterConfig) -> Result<(), ModelError> {
    let n = set.n_pars;
    let check = |field: &str, len: usize| -> Result<(), ModelError> {
        if len != n {
            return Err(param_err(
                &set.name,
                format!("measurement config gives {len} {field} for a set of {n} parameter(s)"),
            ));
        }
        Ok(())
    };
    if let Some(inits) = &cfg.inits {
        check("inits", inits.len())?;
        set.inits = inits.clone();
    }
    if let Some(bounds) = &cfg.bounds {
        check("bounds", bounds.len())?;
        set.bounds = bounds.clone();
    }
    if let Some(fixed) = cfg.fixed {
        set.fixed = vec![fixed; n];
    }
    let name = set.name.clone();
    let unused = |field: &str| {
        param_err(
            &name,
            format!(
                "measurement config sets {field}, which a {} parameter does not use",
                set.kind
            ),
        )
    };
    match &mut set.constraint {
        Constraint::None => {
            if cfg.auxdata.is_some() {
                return Err(unused("auxdata"));
            }
            if cfg.sigmas.is_some() {
                return Err(unused("sigmas"));
            }
            if cfg.factors.is_some() {
                return Err(unused("factors"));
            }
        }
        Constraint::Normal { auxdata, sigmas } => {
            if cfg.factors.is_some() {
                return Err(unused("factors"));
            }
            if let Some(a) = &cfg.auxdata {
                check("auxdata", a.len())?;
                *auxdata = a.clone();
            }
            if let Some(s) = &cfg.sigmas {
                check("sigmas", s.len())?;
                *sigmas = s.clone();
            }
        }
        Constraint::Poisson { auxdata, factors } => {
            if cfg.sigmas.is_some() {
                return Err(unused("sigmas"));
            }
            if let Some(a) = &cfg.auxdata {
                check("auxdata", a.len())?;
                *auxdata = a.clone();
            }
            if let Some(f) = &cfg.factors {
                check("factors", f.len())?;
                *factors = f.clone();
            }
        }
    }
    Ok(())
}
