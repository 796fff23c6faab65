//! The arguments every model-building command shares, and turning them into a model.

use crate::json_io::read_json;
use anyhow::{bail, Context};
use histfactory::model::{HistoSysCode, Model, ModelBuilder, NormSysCode};
use histfactory::spec::Workspace;
use std::path::{Path, PathBuf};

/// Where a model comes from: a workspace, a measurement, patches and settings.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// A pyhf JSON workspace (.json or .json.gz); `-` reads standard input
    pub workspace: PathBuf,
    /// Measurement to use (default: the first)
    #[arg(long)]
    pub measurement: Option<String>,
    /// RFC 6902 JSON Patch applied before building; may repeat
    #[arg(long = "patch", short = 'p')]
    pub patches: Vec<PathBuf>,
    /// Parameter of interest, overriding the measurement's
    #[arg(long, conflicts_with = "no_poi")]
    pub poi: Option<String>,
    /// Build the model without a parameter of interest
    #[arg(long)]
    pub no_poi: bool,
    /// Interpolation code of normsys modifiers (code1 or code4)
    #[arg(long, default_value = "code4")]
    pub normsys_interp: NormSysCode,
    /// Interpolation code of histosys modifiers (code0, code2 or code4p)
    #[arg(long, default_value = "code4p")]
    pub histosys_interp: HistoSysCode,
}

/// An input error: exit code 2.
#[derive(Debug)]
pub struct InputError(pub anyhow::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&chain(&self.0))
    }
}

/// An error with its causes, `outer: inner: innermost`, as anyhow's `{:#}`, but leaving
/// out a cause whose message the one before already shows: the library's errors that
/// wrap another (`InferError::Fit { context, source }`) print it in their own message,
/// and `{:#}` would print it twice.
pub fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut previous = String::new();
    for cause in e.chain() {
        let message = cause.to_string();
        if previous.contains(&message) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&message);
        previous = message;
    }
    out
}
impl std::error::Error for InputError {}

/// Marks an error as the user's input being wrong (exit code 2).
pub fn input<E: Into<anyhow::Error>>(e: E) -> anyhow::Error {
    let e = e.into();
    // A failed write to standard output is never the input's fault.
    if e.downcast_ref::<crate::output::StdoutError>().is_some() {
        return e;
    }
    anyhow::Error::new(InputError(e))
}

/// Reads a JSON file holding numbers: one vector, or an array of vectors.
pub fn read_vectors(path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    let v = read_json(path)?;
    let err = || {
        input(anyhow::anyhow!(
            "{}: expected a JSON array of numbers or an array of such arrays",
            path.display()
        ))
    };
    let arr = v.as_array().ok_or_else(err)?;
    if arr.iter().all(|x| x.is_number()) {
        return Ok(vec![arr
            .iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN))
            .collect()]);
    }
    arr.iter()
        .map(|row| {
            row.as_array()
                .ok_or_else(err)?
                .iter()
                .map(|x| x.as_f64().ok_or_else(err))
                .collect()
        })
        .collect()
}

impl ModelArgs {
    /// The workspace after patches.
    pub fn workspace(&self) -> anyhow::Result<Workspace> {
        // Unpatched, a valid workspace file is read straight into the typed records, without
        // the JSON tree (several times the file in memory) that patches need; a file that
        // is not valid goes the way below for its error.
        let unpatched = (self.patches.is_empty() && self.workspace != Path::new("-"))
            .then(|| Workspace::from_path(&self.workspace).ok())
            .flatten();
        let ws = match unpatched {
            Some(ws) => ws,
            None => self.patched_workspace()?,
        };
        for (path, message) in ws.lint() {
            warning!("{path}: {message}");
        }
        Ok(ws)
    }

    /// The workspace read as a JSON value, patched, then validated.
    fn patched_workspace(&self) -> anyhow::Result<Workspace> {
        let value = read_json(&self.workspace)?;
        let patches = self
            .patches
            .iter()
            .map(read_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let value = histfactory::spec::ops::apply_patches(&value, &patches)
            .with_context(|| format!("applying patches to {}", self.workspace.display()))
            .map_err(input)?;
        Workspace::from_value(&value)
            .with_context(|| format!("{}", self.workspace.display()))
            .map_err(input)
    }

    /// The model built as asked, without its workspace, whose memory goes back to the
    /// system before the computation starts ([`crate::return_freed_memory`]).
    pub fn model_only(&self) -> anyhow::Result<Model> {
        let (ws, model) = self.model()?;
        drop(ws);
        crate::return_freed_memory();
        Ok(model)
    }

    /// The model built as asked.
    pub fn model(&self) -> anyhow::Result<(Workspace, Model)> {
        let ws = self.workspace()?;
        let mut b = ModelBuilder::new(&ws)
            .normsys_code(self.normsys_interp)
            .histosys_code(self.histosys_interp);
        if let Some(m) = &self.measurement {
            b = b.measurement(m);
        }
        if let Some(p) = &self.poi {
            b = b.poi(p);
        }
        if self.no_poi {
            b = b.no_poi();
        }
        let model = b.build().map_err(input)?;
        Ok((ws, model))
    }
}

/// The data to fit: `--data FILE` or the workspace's observations plus auxdata.
pub fn data_for(model: &Model, data: Option<&Path>) -> anyhow::Result<Vec<f64>> {
    match data {
        Some(path) => {
            let mut v = read_vectors(path)?;
            if v.len() != 1 {
                bail!(InputError(anyhow::anyhow!(
                    "{}: expected one data vector",
                    path.display()
                )));
            }
            let d = v.remove(0);
            let n = model.n_main() + model.n_aux();
            if d.len() != n {
                bail!(InputError(anyhow::anyhow!(
                    "{}: expected {n} values (main {} + auxdata {}), found {}",
                    path.display(),
                    model.n_main(),
                    model.n_aux(),
                    d.len()
                )));
            }
            Ok(d)
        }
        None => model.observed_data().map_err(input),
    }
}
