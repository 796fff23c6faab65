//! The pyhf workspace document (JSON schema 1.0.0): typed records, reading from `.json` and
//! `.json.gz`, and validation that names the JSON path of every problem.
//!
//! Text is read twice over only when it is not a valid workspace: a valid document is
//! deserialised straight into the typed records (module `typed`), and anything else is read
//! again as a `serde_json::Value` tree (module `parse`) for an error naming its JSON path.
//!
//! Strings stop here: after [`Workspace::from_value`] every modifier is a typed
//! [`ModifierData`] variant, and the model layer works on indices.
//!
//! ```
//! use histfactory::spec::Workspace;
//! let ws = Workspace::from_str(r#"{
//!   "channels": [{"name": "sr", "samples": [
//!     {"name": "sig", "data": [5.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
//!   "observations": [{"name": "sr", "data": [6.0]}],
//!   "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
//!   "version": "1.0.0"}"#)?;
//! assert_eq!(ws.channels[0].samples[0].name, "sig");
//! # Ok::<(), histfactory::spec::SpecError>(())
//! ```

mod error;
mod parse;
mod typed;

pub use error::SpecError;
pub(crate) use parse::validate_channels;

use std::path::Path;

/// A whole pyhf workspace: channels, observations, measurements.
#[derive(Clone, Debug, PartialEq)]
pub struct Workspace {
    /// The channels (regions), in document order.
    pub channels: Vec<Channel>,
    /// Observed counts per channel.
    pub observations: Vec<Observation>,
    /// Measurements: a POI and parameter settings each.
    pub measurements: Vec<Measurement>,
    /// The schema version, `"1.0.0"`.
    pub version: String,
}

/// One channel (region): samples over a common binning.
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    /// Channel name, unique in the workspace.
    pub name: String,
    /// Samples, each with the channel's number of bins.
    pub samples: Vec<Sample>,
}

/// One sample of a channel: nominal yields and the modifiers acting on them.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Sample name, unique within its channel.
    pub name: String,
    /// Nominal yield per bin.
    pub data: Vec<f64>,
    /// Modifiers of this sample.
    pub modifiers: Vec<Modifier>,
}

/// A modifier: its parameter-set name and its typed data.
#[derive(Clone, Debug, PartialEq)]
pub struct Modifier {
    /// Name of the parameter set it uses (shared by name across samples and channels).
    pub name: String,
    /// The modifier's type and data.
    pub data: ModifierData,
}

/// The seven HistFactory modifier types with their JSON data.
#[derive(Clone, Debug, PartialEq)]
pub enum ModifierData {
    /// Free normalisation factor (`data: null`).
    NormFactor,
    /// Normalisation uncertainty: factors at alpha = +1 (`hi`) and -1 (`lo`).
    NormSys {
        /// Factor at alpha = +1.
        hi: f64,
        /// Factor at alpha = -1.
        lo: f64,
    },
    /// Shape uncertainty: absolute yields at alpha = +1 and -1.
    HistoSys {
        /// Yields at alpha = +1.
        hi_data: Vec<f64>,
        /// Yields at alpha = -1.
        lo_data: Vec<f64>,
    },
    /// Uncorrelated per-bin uncertainty with a Poisson constraint (absolute uncertainties).
    ShapeSys(Vec<f64>),
    /// Free per-bin factors (`data: null`).
    ShapeFactor,
    /// MC statistical uncertainty of this sample (absolute, per bin), Gaussian-constrained.
    StatError(Vec<f64>),
    /// Luminosity (`data: null`); the name must be `lumi`.
    Lumi,
}

/// The modifier types, in the order pyhf groups parameter sets (`histfactory_set`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ModifierKind {
    /// `histosys`
    HistoSys,
    /// `lumi`
    Lumi,
    /// `normfactor`
    NormFactor,
    /// `normsys`
    NormSys,
    /// `shapefactor`
    ShapeFactor,
    /// `shapesys`
    ShapeSys,
    /// `staterror`
    StatError,
}

impl ModifierKind {
    /// All kinds in pyhf's parameter-set order.
    pub const ALL: [ModifierKind; 7] = [
        ModifierKind::HistoSys,
        ModifierKind::Lumi,
        ModifierKind::NormFactor,
        ModifierKind::NormSys,
        ModifierKind::ShapeFactor,
        ModifierKind::ShapeSys,
        ModifierKind::StatError,
    ];

    /// The JSON `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ModifierKind::HistoSys => "histosys",
            ModifierKind::Lumi => "lumi",
            ModifierKind::NormFactor => "normfactor",
            ModifierKind::NormSys => "normsys",
            ModifierKind::ShapeFactor => "shapefactor",
            ModifierKind::ShapeSys => "shapesys",
            ModifierKind::StatError => "staterror",
        }
    }

    /// Parses a JSON `type` string.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ModifierKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ModifierData {
    /// The modifier's type.
    pub fn kind(&self) -> ModifierKind {
        match self {
            ModifierData::NormFactor => ModifierKind::NormFactor,
            ModifierData::NormSys { .. } => ModifierKind::NormSys,
            ModifierData::HistoSys { .. } => ModifierKind::HistoSys,
            ModifierData::ShapeSys(_) => ModifierKind::ShapeSys,
            ModifierData::ShapeFactor => ModifierKind::ShapeFactor,
            ModifierData::StatError(_) => ModifierKind::StatError,
            ModifierData::Lumi => ModifierKind::Lumi,
        }
    }
}

/// Observed main counts of one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The channel's name.
    pub name: String,
    /// Counts per bin (non-integer values are allowed, as in pyhf).
    pub data: Vec<f64>,
}

/// A measurement: the POI and per-parameter settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Measurement name.
    pub name: String,
    /// Name of the parameter of interest.
    pub poi: String,
    /// Parameter settings overriding the modifiers' defaults.
    pub parameters: Vec<ParameterConfig>,
}

/// Settings for one parameter set in a measurement (`config.parameters[i]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParameterConfig {
    /// Parameter-set name.
    pub name: String,
    /// Initial values, one per parameter of the set.
    pub inits: Option<Vec<f64>>,
    /// Bounds `[lo, hi]`, one per parameter.
    pub bounds: Option<Vec<[f64; 2]>>,
    /// Auxiliary data (constrained sets only).
    pub auxdata: Option<Vec<f64>>,
    /// Poisson rate factors (Poisson-constrained sets only).
    pub factors: Option<Vec<f64>>,
    /// Gaussian widths (Gaussian-constrained sets only).
    pub sigmas: Option<Vec<f64>>,
    /// Hold the whole set constant in fits.
    pub fixed: Option<bool>,
}

impl Workspace {
    /// Parses and validates a workspace from JSON text.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self, SpecError> {
        Self::from_slice(text.as_bytes())
    }

    /// Parses and validates a workspace from JSON text given as bytes (UTF-8).
    ///
    /// A valid workspace is deserialised directly into the typed records; only a document
    /// that fails to be one is read again through a `serde_json::Value`, for an error that
    /// names the JSON path of the problem (the same error [`Workspace::from_value`] gives).
    pub fn from_slice(text: &[u8]) -> Result<Self, SpecError> {
        if let Some(ws) = typed::workspace(text) {
            return Ok(ws);
        }
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| SpecError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses and validates a workspace from a JSON value (for example after patches).
    pub fn from_value(value: &serde_json::Value) -> Result<Self, SpecError> {
        let ws = parse::workspace(value)?;
        ws.validate()?;
        Ok(ws)
    }

    /// Reads a JSON value from a `.json` or `.json.gz` file (gzip is detected by content).
    pub fn read_value(path: &Path) -> Result<serde_json::Value, SpecError> {
        let text = read_text(path)?;
        serde_json::from_slice(&text).map_err(|e| in_file(path, SpecError::Json(e.to_string())))
    }

    /// Reads and validates a workspace from a `.json` or `.json.gz` file.
    ///
    /// As [`Workspace::from_slice`]: a `serde_json::Value` is built only for the error of
    /// a document that is not a valid workspace.
    pub fn from_path(path: &Path) -> Result<Self, SpecError> {
        let text = read_text(path)?;
        if let Some(ws) = typed::workspace(&text) {
            return Ok(ws);
        }
        let value = serde_json::from_slice(&text)
            .map_err(|e| in_file(path, SpecError::Json(e.to_string())))?;
        drop(text);
        Self::from_value(&value)
    }

    /// The measurement called `name`, or the first one when `name` is `None`.
    pub fn measurement(&self, name: Option<&str>) -> Result<&Measurement, SpecError> {
        match name {
            None => self.measurements.first().ok_or(SpecError::Invalid {
                path: "measurements".into(),
                message: "expected at least one measurement".into(),
            }),
            Some(n) => self
                .measurements
                .iter()
                .find(|m| m.name == n)
                .ok_or_else(|| SpecError::UnknownMeasurement {
                    name: n.to_string(),
                    available: self.measurements.iter().map(|m| m.name.clone()).collect(),
                }),
        }
    }

    /// The observation of channel `name`, if any.
    pub fn observation(&self, name: &str) -> Option<&Observation> {
        self.observations.iter().find(|o| o.name == name)
    }

    /// Problems pyhf tolerates but that usually mean a mistake (an observation for a
    /// channel the workspace does not have, a channel without observation), as
    /// `(JSON path, message)` pairs.
    pub fn lint(&self) -> Vec<(String, String)> {
        parse::lint(self)
    }

    /// Like [`Workspace::from_value`], but also rejects what [`Workspace::lint`] reports.
    pub fn from_value_strict(value: &serde_json::Value) -> Result<Self, SpecError> {
        let ws = Self::from_value(value)?;
        match ws.lint().into_iter().next() {
            Some((path, message)) => Err(SpecError::Invalid { path, message }),
            None => Ok(ws),
        }
    }

    fn validate(&self) -> Result<(), SpecError> {
        parse::validate(self)
    }
}

/// Decodes JSON from raw bytes, transparently gunzipping when the gzip magic is present.
pub fn value_from_bytes(bytes: &[u8]) -> Result<serde_json::Value, SpecError> {
    if is_gzip(bytes) {
        let text = gunzip(bytes)?;
        serde_json::from_slice(&text).map_err(|e| SpecError::Json(e.to_string()))
    } else {
        serde_json::from_slice(bytes).map_err(|e| SpecError::Json(e.to_string()))
    }
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The decompressed contents of gzip data, at most [`crate::limits::max_input`] bytes:
/// decompression stops once that is passed (a few MB of gzip can inflate to many GB).
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, SpecError> {
    use std::io::Read;
    // The trailer's ISIZE (the last member's length mod 2^32) sizes the buffer at once,
    // rather than by doublings that may end near twice the text; it is only a hint (a
    // multi-member file has several), so it is capped by a generous compression ratio.
    let isize_hint = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes[at..].try_into().ok())
        .map_or(0, |t: [u8; 4]| u32::from_le_bytes(t) as usize);
    let mut reader = crate::limits::LimitedReader::input(flate2::read::MultiGzDecoder::new(bytes))?;
    let limit = crate::limits::max_input()?;
    let hint = isize_hint.min(bytes.len().saturating_mul(64));
    let mut text = Vec::with_capacity(usize::try_from(limit).map_or(hint, |l| hint.min(l)));
    let read = reader.read_to_end(&mut text);
    if let Some(too_large) = reader.exceeded() {
        return Err(too_large.into());
    }
    read.map_err(|e| SpecError::Json(format!("gzip: {e}")))?;
    Ok(text)
}

/// The text of a `.json` or `.json.gz` file: the file's bytes, or, for gzip, the
/// decompressed ones (the compressed bytes are dropped before the text is parsed).
fn read_text(path: &Path) -> Result<Vec<u8>, SpecError> {
    let bytes = std::fs::read(path).map_err(|e| SpecError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if is_gzip(&bytes) {
        gunzip(&bytes).map_err(|e| in_file(path, e))
    } else {
        Ok(bytes)
    }
}

/// A JSON (or gzip) error prefixed with the file it is about.
fn in_file(path: &Path, e: SpecError) -> SpecError {
    match e {
        SpecError::Json(m) => SpecError::Json(format!("{}: {m}", path.display())),
        SpecError::TooLarge(l) => SpecError::Invalid {
            path: path.display().to_string(),
            message: l.to_string(),
        },
        other => other,
    }
}

impl Workspace {
    /// The workspace as pyhf JSON (the inverse of [`Workspace::from_value`]).
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::{json, Value};
        let modifier = |m: &Modifier| -> Value {
            let data = match &m.data {
                ModifierData::NormFactor | ModifierData::ShapeFactor | ModifierData::Lumi => {
                    Value::Null
                }
                ModifierData::NormSys { hi, lo } => json!({"hi": hi, "lo": lo}),
                ModifierData::HistoSys { hi_data, lo_data } => {
                    json!({"hi_data": hi_data, "lo_data": lo_data})
                }
                ModifierData::ShapeSys(d) | ModifierData::StatError(d) => json!(d),
            };
            json!({"name": m.name, "type": m.data.kind().as_str(), "data": data})
        };
        let param = |p: &ParameterConfig| -> Value {
            let mut o = serde_json::Map::new();
            o.insert("name".into(), json!(p.name));
            if let Some(x) = &p.inits {
                o.insert("inits".into(), json!(x));
            }
            if let Some(x) = &p.bounds {
                o.insert("bounds".into(), json!(x));
            }
            if let Some(x) = &p.auxdata {
                o.insert("auxdata".into(), json!(x));
            }
            if let Some(x) = &p.factors {
                o.insert("factors".into(), json!(x));
            }
            if let Some(x) = &p.sigmas {
                o.insert("sigmas".into(), json!(x));
            }
            if let Some(x) = p.fixed {
                o.insert("fixed".into(), json!(x));
            }
            Value::Object(o)
        };
        json!({
            "channels": self.channels.iter().map(|c| json!({
                "name": c.name,
                "samples": c.samples.iter().map(|s| json!({
                    "name": s.name,
                    "data": s.data,
                    "modifiers": s.modifiers.iter().map(modifier).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "observations": self.observations.iter()
                .map(|o| json!({"name": o.name, "data": o.data})).collect::<Vec<_>>(),
            "measurements": self.measurements.iter().map(|m| json!({
                "name": m.name,
                "config": {"poi": m.poi, "parameters": m.parameters.iter().map(param).collect::<Vec<_>>()},
            })).collect::<Vec<_>>(),
            "version": self.version,
        })
    }
}
pub mod digest;
pub mod ops;
pub mod patchset;
pub mod pyjson;
