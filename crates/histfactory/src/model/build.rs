//! Compiling a workspace into a [`Model`]: pyhf's parameter bookkeeping, then flat arrays.

use super::interp::NormSysInterp;
use super::normsys::NormSysTable;
use super::params::{Constraint, ParameterSet};
use super::{
    Block, ChannelInfo, ConstraintTerm, GaussTerm, Model, ModelError, ModelOptions, PoissonTerm,
};
use crate::spec::{Channel, ModifierData, ModifierKind, ParameterConfig, Workspace};
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

/// What one modifier occurrence asks of its parameter set, before merging.
#[derive(Clone, Debug, PartialEq)]
struct Requirement {
    kind: ModifierKind,
    n: usize,
    is_scalar: bool,
    inits: Vec<f64>,
    bounds: Vec<[f64; 2]>,
    fixed: Vec<bool>,
    constraint: Constraint,
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
}

/// Equality that treats NaN placeholders (lumi values the measurement must supply) as equal.
fn same_requirement(a: &Requirement, b: &Requirement) -> bool {
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
    a.kind == b.kind
        && a.n == b.n
        && a.is_scalar == b.is_scalar
        && bits(&a.inits) == bits(&b.inits)
        && bits(&flat(a)) == bits(&flat(b))
        && a.fixed == b.fixed
        && constraint_bits(&a.constraint) == constraint_bits(&b.constraint)
}

fn normal(n: usize, aux: f64) -> Constraint {
    Constraint::Normal {
        auxdata: vec![aux; n],
        sigmas: vec![1.0; n],
    }
}

/// Per staterror name, per bin: the summed nominal of the participating samples and each
/// sample's (nominal, absolute error).
type StatSums = (Vec<f64>, Vec<Vec<(f64, f64)>>);

fn param_err(name: &str, message: impl Into<String>) -> ModelError {
    ModelError::Parameter {
        name: name.to_string(),
        message: message.into(),
    }
}

/// Compiles channels plus measurement parameter configs into a model (no observations).
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

    // Requirements per type, in first-appearance order within the type.
    let mut per_type: HashMap<ModifierKind, Vec<(String, Requirement)>> = HashMap::new();
    // staterror sigma bookkeeping: per name, per bin: (sum of nominals, sum of squared abs errors)
    let mut stat_sums: HashMap<String, StatSums> = HashMap::new();
    let mut shapesys_owner: HashMap<String, (String, String)> = HashMap::new();

    for c in &sorted {
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
                let kind = m.data.kind();
                let req = match &m.data {
                    ModifierData::NormFactor => {
                        Requirement::scalar(kind, 1.0, [0.0, 10.0], Constraint::None)
                    }
                    ModifierData::Lumi => {
                        // Values come from the measurement; NaN marks "must be supplied".
                        Requirement::scalar(
                            kind,
                            f64::NAN,
                            [f64::NAN, f64::NAN],
                            Constraint::Normal {
                                auxdata: vec![f64::NAN],
                                sigmas: vec![f64::NAN],
                            },
                        )
                    }
                    ModifierData::NormSys { .. } | ModifierData::HistoSys { .. } => {
                        Requirement::scalar(kind, 0.0, [-5.0, 5.0], normal(1, 0.0))
                    }
                    ModifierData::ShapeFactor => {
                        Requirement::vector(kind, nbins, [0.0, 10.0], Constraint::None)
                    }
                    ModifierData::ShapeSys(unc) => {
                        if let Some((oc, os)) = shapesys_owner.get(&m.name) {
                            return Err(param_err(
                                &m.name,
                                format!(
                                    "shapesys modifiers cannot be shared, but it is on sample \"{os}\" of channel \"{oc}\" and on sample \"{}\" of channel \"{}\"",
                                    s.name, c.name
                                ),
                            ));
                        }
                        shapesys_owner.insert(m.name.clone(), (c.name.clone(), s.name.clone()));
                        // tau = (nominal / uncertainty)^2; bins with a non-positive nominal
                        // or uncertainty keep a parameter but are fixed at 1 with aux 1
                        // (pyhf 0.7.6), so their constraint is the constant log Pois(1|1).
                        let mut req =
                            Requirement::vector(kind, nbins, [1e-10, 10.0], Constraint::None);
                        let mut tau = vec![1.0; nbins];
                        for (j, (&nom, &d)) in s.data.iter().zip(unc).enumerate() {
                            if nom > 0.0 && d > 0.0 {
                                tau[j] = (nom / d) * (nom / d);
                            } else {
                                req.fixed[j] = true;
                            }
                        }
                        req.constraint = Constraint::Poisson {
                            auxdata: tau.clone(),
                            factors: tau,
                        };
                        req
                    }
                    ModifierData::StatError(unc) => {
                        let entry = stat_sums
                            .entry(m.name.clone())
                            .or_insert_with(|| (vec![0.0; nbins], vec![Vec::new(); nbins]));
                        if entry.0.len() != nbins {
                            return Err(param_err(
                                &m.name,
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
                        Requirement::vector(kind, nbins, [1e-10, 10.0], normal(nbins, 1.0))
                    }
                };
                let list = per_type.entry(kind).or_default();
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
                        if kind != ModifierKind::StatError && !same_requirement(existing, &req) {
                            return Err(param_err(
                                &m.name,
                                format!("{kind} modifiers of this name disagree (channel \"{}\", sample \"{}\")", c.name, s.name),
                            ));
                        }
                    }
                }
            }
        }
    }

    // staterror: sets come in sorted-name order (pyhf creates their builder keys for every
    // sample before finalising), sigma_b is the quadrature sum of the participating
    // samples' errors relative to their summed nominal; zero-sigma bins are fixed with
    // sigma 1 so the constant Gaussian term stays finite.
    if let Some(list) = per_type.get_mut(&ModifierKind::StatError) {
        list.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, req) in list.iter_mut() {
            let (sums, parts) = &stat_sums[name.as_str()];
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
    }

    // Merge across types in histfactory_set order; a name already placed (histosys and
    // normsys sharing an alpha) keeps its first position and must agree.
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

    for cfg in configs {
        if let Some(set) = sets.iter_mut().find(|p| p.name == cfg.name) {
            apply_config(set, cfg)?;
        }
    }
    for set in &sets {
        if set.kind == ModifierKind::Lumi {
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
        }
    }

    let mut offset = 0;
    let mut par_names = Vec::new();
    for set in &mut sets {
        set.offset = offset;
        offset += set.n_pars;
        if set.is_scalar {
            par_names.push(set.name.clone());
        } else {
            par_names.extend((0..set.n_pars).map(|i| format!("{}[{i}]", set.name)));
        }
    }
    let init: Vec<f64> = sets.iter().flat_map(|s| s.inits.iter().copied()).collect();
    let bounds: Vec<[f64; 2]> = sets.iter().flat_map(|s| s.bounds.iter().copied()).collect();
    let fixed: Vec<bool> = sets.iter().flat_map(|s| s.fixed.iter().copied()).collect();

    let poi = match poi {
        None => None,
        Some(name) => {
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
            Some(set.offset)
        }
    };

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
                match &m.data {
                    ModifierData::NormFactor | ModifierData::Lumi => block.direct.push(p),
                    ModifierData::NormSys { hi, lo } => {
                        normsys.push(p, NormSysInterp::new(options.normsys_code, *hi, *lo));
                    }
                    ModifierData::HistoSys { hi_data, lo_data } => {
                        let up: Vec<f64> =
                            hi_data.iter().zip(&s.data).map(|(h, n)| h - n).collect();
                        let dn: Vec<f64> = s.data.iter().zip(lo_data).map(|(n, l)| n - l).collect();
                        // Published workspaces carry many histosys whose variations equal the
                        // nominal (3/4 of 1Lbb's): their delta is identically zero, so they
                        // are left out of the hot loop (the parameter and its constraint stay).
                        if up.iter().chain(&dn).any(|x| *x != 0.0) {
                            block.histo_params.push(p);
                            block.histo_up.extend(up);
                            block.histo_dn.extend(dn);
                        }
                    }
                    ModifierData::ShapeFactor
                    | ModifierData::ShapeSys(_)
                    | ModifierData::StatError(_) => block.binwise.push(p),
                }
            }
            block.normsys.end = normsys.len();
            blocks.push(block);
        }
        n_main += nbins;
    }

    let mut constraints = Vec::new();
    let mut auxdata = Vec::new();
    for set in &sets {
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
