//! pyhf 0.7.6's workspace operations (`pyhf.Workspace.prune`, `rename`, `combine`,
//! `sorted`) and RFC 6902 patching, on workspaces held as `serde_json::Value`.
//!
//! The operations work on the JSON value rather than on the typed [`Workspace`] so that
//! everything not touched keeps its exact JSON form (integers stay integers, key sets stay
//! as they were): the result hashes to the same digest as pyhf's result. Every input is
//! validated first and every result is re-validated with [`Workspace::from_value`], as pyhf
//! does by constructing a new `Workspace`.
//!
//! ```
//! use histfactory::spec::ops::{prune, PruneOptions};
//! let ws = serde_json::json!({
//!   "channels": [{"name": "sr", "samples": [
//!     {"name": "sig", "data": [5.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
//!     {"name": "bkg", "data": [50.0], "modifiers": []}]}],
//!   "observations": [{"name": "sr", "data": [52.0]}],
//!   "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
//!   "version": "1.0.0"});
//! let pruned = prune(&ws, &PruneOptions { samples: vec!["bkg".into()], ..Default::default() })?;
//! assert_eq!(pruned["channels"][0]["samples"].as_array().map(Vec::len), Some(1));
//! # Ok::<(), histfactory::spec::ops::OpsError>(())
//! ```

use super::{ModifierKind, SpecError, Workspace};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Why a workspace operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// The operation cannot be carried out on these workspaces (pyhf's
    /// `InvalidWorkspaceOperation`); the message names the offending item.
    #[error("invalid workspace operation: {0}")]
    InvalidOperation(String),
    /// An input workspace, or the result of the operation, is not a valid workspace.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A JSON patch is malformed or one of its operations failed.
    #[error("patch {index}{}: {message}", op_label(*operation, op.as_deref()))]
    Patch {
        /// Index of the patch in the list given.
        index: usize,
        /// Index of the failing operation within the patch, if known.
        operation: Option<usize>,
        /// The failing operation's `op` (`add`, `remove`, ...), if known.
        op: Option<String>,
        /// What went wrong, including the JSON pointer.
        message: String,
    },
}

fn op_label(operation: Option<usize>, op: Option<&str>) -> String {
    match (operation, op) {
        (Some(i), Some(op)) => format!(", operation {i} ({op})"),
        (Some(i), None) => format!(", operation {i}"),
        _ => String::new(),
    }
}

type R<T> = Result<T, OpsError>;

/// What [`prune`] removes. Names that are not in the workspace are an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneOptions {
    /// Modifiers (parameter sets) to remove from every sample, with their parameter configs.
    pub modifiers: Vec<String>,
    /// Modifier types to remove from every sample (parameter configs are kept, as in pyhf).
    pub modifier_types: Vec<ModifierKind>,
    /// Samples to remove from every channel.
    pub samples: Vec<String>,
    /// Channels to remove, with their observations.
    pub channels: Vec<String>,
    /// Measurements to remove.
    pub measurements: Vec<String>,
}

/// What [`rename`] renames, as `(old, new)` pairs. When an old name repeats, the last pair
/// wins (as with a Python dict). Old names that are not in the workspace are an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenameOptions {
    /// Modifiers; their measurement parameter configs and the POI follow.
    pub modifiers: Vec<(String, String)>,
    /// Samples, in every channel.
    pub samples: Vec<(String, String)>,
    /// Channels; their observations follow.
    pub channels: Vec<(String, String)>,
    /// Measurements.
    pub measurements: Vec<(String, String)>,
}

/// How [`combine`] treats items (channels, observations, measurements) present in both
/// workspaces under the same name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JoinMode {
    /// `"none"`: no name may be shared.
    #[default]
    None,
    /// `"outer"`: identical items are kept once; same name with different content is an
    /// error, except measurements with the same POI, whose parameter configs are merged.
    Outer,
    /// `"left outer"`: on a name clash the left item wins silently.
    LeftOuter,
    /// `"right outer"`: on a name clash the right item wins silently.
    RightOuter,
}

impl JoinMode {
    /// All modes, in pyhf's `Workspace.valid_joins` order.
    pub const ALL: [JoinMode; 4] = [
        JoinMode::None,
        JoinMode::Outer,
        JoinMode::LeftOuter,
        JoinMode::RightOuter,
    ];

    /// pyhf's name of the mode (`"left outer"`).
    pub fn as_str(self) -> &'static str {
        match self {
            JoinMode::None => "none",
            JoinMode::Outer => "outer",
            JoinMode::LeftOuter => "left outer",
            JoinMode::RightOuter => "right outer",
        }
    }
}

impl std::fmt::Display for JoinMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JoinMode {
    type Err = OpsError;

    /// Accepts pyhf's names; `left-outer`/`left_outer` spellings are accepted too because
    /// a space is awkward on a command line.
    fn from_str(s: &str) -> R<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Self::ALL
            .into_iter()
            .find(|j| j.as_str() == norm)
            .ok_or_else(|| {
                OpsError::InvalidOperation(format!(
                    "unknown join \"{s}\" (valid joins: {})",
                    valid_joins()
                ))
            })
    }
}

fn valid_joins() -> String {
    JoinMode::ALL.map(|j| format!("\"{j}\"")).join(", ")
}

/// Options of [`combine`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CombineOptions {
    /// How to treat items present in both workspaces.
    pub join: JoinMode,
    /// Merge the sample lists of same-named channels (left item's samples first, the
    /// primary side winning on sample-name clashes). Only with the outer joins.
    pub merge_channels: bool,
}

// ---------------------------------------------------------------------------------------
// Small fallible accessors: inputs are validated before use, but the operations never
// panic even if that ever changes.

fn shape(path: &str, what: &str) -> OpsError {
    OpsError::Spec(SpecError::Invalid {
        path: path.to_string(),
        message: format!("expected {what}"),
    })
}

fn arr_mut<'a>(v: &'a mut Value, key: &str, path: &str) -> R<&'a mut Vec<Value>> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| shape(&format!("{path}.{key}"), "an array"))
}

fn arr<'a>(v: &'a Value, key: &str, path: &str) -> R<&'a Vec<Value>> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| shape(&format!("{path}.{key}"), "an array"))
}

fn name_of(v: &Value) -> &str {
    v.get("name").and_then(Value::as_str).unwrap_or("")
}

fn type_of(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

fn set_name(v: &mut Value, map: &HashMap<&str, &str>) {
    if let Some(obj) = v.as_object_mut() {
        let new = obj
            .get("name")
            .and_then(Value::as_str)
            .and_then(|n| map.get(n))
            .map(|n| n.to_string());
        if let Some(new) = new {
            obj.insert("name".into(), Value::String(new));
        }
    }
}

fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Python `==` on JSON values: like `Value`'s equality except that numbers compare by
/// value (`1 == 1.0` in Python, while `serde_json` keeps them apart). pyhf's `outer` join
/// deduplicates with this equality.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------
// prune and rename

/// Removes channels, samples, modifiers (by name or type) and measurements, as
/// `pyhf.Workspace.prune`.
///
/// Pruning a channel also removes its observation; pruning a modifier by name also removes
/// its parameter config from every measurement. Naming something the workspace does not
/// have is an [`OpsError::InvalidOperation`] that names it. The result is validated.
pub fn prune(ws: &Value, opts: &PruneOptions) -> R<Value> {
    prune_and_rename(ws, opts, &RenameOptions::default())
}

/// Renames channels, samples, modifiers and measurements, as `pyhf.Workspace.rename`.
///
/// Renaming a channel renames its observation; renaming a modifier renames its parameter
/// configs and, if it is the POI, the POI of every measurement. Naming something the
/// workspace does not have is an [`OpsError::InvalidOperation`]. The result is validated
/// (so renaming onto an existing name, which creates duplicates, is rejected).
pub fn rename(ws: &Value, opts: &RenameOptions) -> R<Value> {
    prune_and_rename(ws, &PruneOptions::default(), opts)
}

fn pairs_map(pairs: &[(String, String)]) -> HashMap<&str, &str> {
    // Later pairs overwrite earlier ones, as keys of a Python dict literal do.
    pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

fn prune_and_rename(ws: &Value, prune: &PruneOptions, rename: &RenameOptions) -> R<Value> {
    let typed = Workspace::from_value(ws)?;

    // The same existence checks as pyhf, in the same order, each naming the missing item.
    let types_present: BTreeSet<ModifierKind> = typed
        .channels
        .iter()
        .flat_map(|c| &c.samples)
        .flat_map(|s| &s.modifiers)
        .map(|m| m.data.kind())
        .collect();
    for kind in &prune.modifier_types {
        if !types_present.contains(kind) {
            return Err(OpsError::InvalidOperation(format!(
                "{kind} is not one of the modifier types in this workspace."
            )));
        }
    }
    let modifier_names: BTreeSet<&str> = typed
        .channels
        .iter()
        .flat_map(|c| &c.samples)
        .flat_map(|s| &s.modifiers)
        .map(|m| m.name.as_str())
        .collect();
    let sample_names: BTreeSet<&str> = typed
        .channels
        .iter()
        .flat_map(|c| &c.samples)
        .map(|s| s.name.as_str())
        .collect();
    let channel_names: BTreeSet<&str> = typed.channels.iter().map(|c| c.name.as_str()).collect();
    let measurement_names: BTreeSet<&str> =
        typed.measurements.iter().map(|m| m.name.as_str()).collect();
    // (kind, names to prune, renames, names present)
    type Check<'a> = (
        &'a str,
        &'a [String],
        &'a [(String, String)],
        &'a BTreeSet<&'a str>,
    );
    let checks: [Check; 4] = [
        (
            "modifiers",
            &prune.modifiers,
            &rename.modifiers,
            &modifier_names,
        ),
        ("samples", &prune.samples, &rename.samples, &sample_names),
        (
            "channels",
            &prune.channels,
            &rename.channels,
            &channel_names,
        ),
        (
            "measurements",
            &prune.measurements,
            &rename.measurements,
            &measurement_names,
        ),
    ];
    for (what, pruned, renamed, present) in checks {
        let wanted = pruned
            .iter()
            .map(String::as_str)
            .chain(renamed.iter().map(|p| p.0.as_str()));
        for name in wanted {
            if !present.contains(name) {
                return Err(OpsError::InvalidOperation(format!(
                    "{name} is not one of the {what} in this workspace."
                )));
            }
        }
    }

    let prune_types: Vec<&str> = prune.modifier_types.iter().map(|k| k.as_str()).collect();
    let in_list = |list: &[String], name: &str| list.iter().any(|x| x == name);
    let ren_mod = pairs_map(&rename.modifiers);
    let ren_sample = pairs_map(&rename.samples);
    let ren_channel = pairs_map(&rename.channels);
    let ren_meas = pairs_map(&rename.measurements);

    let mut out = ws.clone();
    {
        let channels = arr_mut(&mut out, "channels", "$")?;
        channels.retain(|c| !in_list(&prune.channels, name_of(c)));
        for (ci, channel) in channels.iter_mut().enumerate() {
            let cpath = format!("channels[{ci}]");
            set_name(channel, &ren_channel);
            let samples = arr_mut(channel, "samples", &cpath)?;
            samples.retain(|s| !in_list(&prune.samples, name_of(s)));
            for (si, sample) in samples.iter_mut().enumerate() {
                set_name(sample, &ren_sample);
                let mods = arr_mut(sample, "modifiers", &format!("{cpath}.samples[{si}]"))?;
                mods.retain(|m| {
                    !in_list(&prune.modifiers, name_of(m)) && !prune_types.contains(&type_of(m))
                });
                for m in mods.iter_mut() {
                    set_name(m, &ren_mod);
                }
            }
        }
    }
    {
        let measurements = arr_mut(&mut out, "measurements", "$")?;
        measurements.retain(|m| !in_list(&prune.measurements, name_of(m)));
        for (mi, meas) in measurements.iter_mut().enumerate() {
            set_name(meas, &ren_meas);
            let cpath = format!("measurements[{mi}].config");
            let config = meas
                .get_mut("config")
                .ok_or_else(|| shape(&cpath, "an object"))?;
            let params = arr_mut(config, "parameters", &cpath)?;
            params.retain(|p| !in_list(&prune.modifiers, name_of(p)));
            for p in params.iter_mut() {
                set_name(p, &ren_mod);
            }
            if let Some(poi) = config.get_mut("poi") {
                let renamed = poi
                    .as_str()
                    .and_then(|p| ren_mod.get(p))
                    .map(|p| p.to_string());
                if let Some(new) = renamed {
                    *poi = Value::String(new);
                }
            }
        }
    }
    {
        let observations = arr_mut(&mut out, "observations", "$")?;
        observations.retain(|o| !in_list(&prune.channels, name_of(o)));
        for o in observations.iter_mut() {
            set_name(o, &ren_channel);
        }
    }
    Workspace::from_value(&out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// combine

/// pyhf's generic join of two lists of named items: the primary side (the right one for a
/// right outer join) is copied, then secondary items are appended according to the join.
/// With `deep_merge_key`, a secondary item whose name already exists has its list under
/// that key merged into the existing item's (left-outer at that level) instead.
fn join_items(
    join: JoinMode,
    left: &[Value],
    right: &[Value],
    deep_merge_key: Option<&str>,
) -> Vec<Value> {
    let (primary, secondary) = match join {
        JoinMode::RightOuter => (right, left),
        _ => (left, right),
    };
    let mut joined: Vec<Value> = primary.to_vec();
    // pyhf takes the key list once, before appending: a name appearing twice on the
    // secondary side is not matched against its own earlier copy.
    let keys: Vec<String> = joined.iter().map(|v| name_of(v).to_string()).collect();
    for item in secondary {
        let pos = keys.iter().position(|k| k == name_of(item));
        match (pos, deep_merge_key) {
            (Some(i), Some(key)) => {
                let ours = joined[i]
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let theirs = item
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let merged = join_items(JoinMode::LeftOuter, &ours, &theirs, None);
                if let Some(obj) = joined[i].as_object_mut() {
                    obj.insert(key.to_string(), Value::Array(merged));
                }
            }
            _ => {
                let take = match join {
                    JoinMode::None => true,
                    JoinMode::Outer => !primary.iter().any(|p| py_eq(p, item)),
                    JoinMode::LeftOuter | JoinMode::RightOuter => pos.is_none(),
                };
                if take {
                    joined.push(item.clone());
                }
            }
        }
    }
    joined
}

fn common_names(left: &[Value], right: &[Value]) -> Vec<String> {
    let l: BTreeSet<&str> = left.iter().map(name_of).collect();
    let r: BTreeSet<&str> = right.iter().map(name_of).collect();
    l.intersection(&r).map(|s| s.to_string()).collect()
}

fn repeated_names(items: &[Value]) -> Vec<String> {
    // In first-appearance order, as pyhf's Counter reports them.
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for it in items {
        let n = name_of(it);
        match seen.iter_mut().find(|(s, _)| *s == n) {
            Some(entry) => entry.1 += 1,
            None => seen.push((n, 1)),
        }
    }
    seen.into_iter()
        .filter(|(_, c)| *c > 1)
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Joins channels or observations and applies pyhf's clash rules for `what`.
fn join_named(
    join: JoinMode,
    left: &[Value],
    right: &[Value],
    deep_merge_key: Option<&str>,
    what: &str,
) -> R<Vec<Value>> {
    let joined = join_items(join, left, right, deep_merge_key);
    match join {
        JoinMode::None => {
            let common = common_names(left, right);
            if !common.is_empty() {
                return Err(OpsError::InvalidOperation(format!(
                    "Workspaces cannot have any {what} in common with the same name: {}. \
                     You can also try a different join operation: {}.",
                    quoted(common.iter().map(String::as_str)),
                    valid_joins()
                )));
            }
        }
        JoinMode::Outer => {
            let clash = repeated_names(&joined);
            if !clash.is_empty() {
                return Err(OpsError::InvalidOperation(format!(
                    "Workspaces cannot have {what} in common with incompatible structure: {}. \
                     You can also try a different join operation: {}.",
                    quoted(clash.iter().map(String::as_str)),
                    valid_joins()
                )));
            }
        }
        JoinMode::LeftOuter | JoinMode::RightOuter => {}
    }
    Ok(joined)
}

fn config_of(m: &Value) -> Option<&Map<String, Value>> {
    m.get("config").and_then(Value::as_object)
}

fn join_measurements(join: JoinMode, left: &[Value], right: &[Value]) -> R<Vec<Value>> {
    if join != JoinMode::Outer {
        return join_named(join, left, right, None, "measurements");
    }
    let joined = join_items(join, left, right, None);
    // Group by name in first-appearance order.
    let mut groups: Vec<(String, Vec<&Value>)> = Vec::new();
    for m in &joined {
        let n = name_of(m);
        match groups.iter_mut().find(|(g, _)| g == n) {
            Some((_, ms)) => ms.push(m),
            None => groups.push((n.to_string(), vec![m])),
        }
    }
    let bad_poi: Vec<&str> = groups
        .iter()
        .filter(|(_, ms)| {
            let pois: Vec<Option<&Value>> = ms
                .iter()
                .map(|m| config_of(m).and_then(|c| c.get("poi")))
                .collect();
            pois.iter().any(|p| *p != pois[0])
        })
        .map(|(n, _)| n.as_str())
        .collect();
    if !bad_poi.is_empty() {
        return Err(OpsError::InvalidOperation(format!(
            "Workspaces cannot have the same measurements with incompatible POI: {}.",
            quoted(bad_poi)
        )));
    }
    let mut out = Vec::with_capacity(groups.len());
    for (name, ms) in groups {
        if ms.len() == 1 {
            out.push(ms[0].clone());
            continue;
        }
        // An outer join yields at most two same-named measurements (one per side).
        let params: Vec<Vec<Value>> = ms
            .iter()
            .map(|m| {
                config_of(m)
                    .and_then(|c| c.get("parameters"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let (lp, rp) = (&params[0], &params[params.len() - 1]);
        let merged = join_items(JoinMode::Outer, lp, rp, None);
        let clash = repeated_names(&merged);
        if !clash.is_empty() {
            return Err(OpsError::InvalidOperation(format!(
                "Workspaces cannot have a measurement ({name}) with incompatible parameter \
                 configs: {}. You can also try a different join operation: {}.",
                quoted(clash.iter().map(String::as_str)),
                valid_joins()
            )));
        }
        let poi = config_of(ms[0])
            .and_then(|c| c.get("poi"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut config = Map::new();
        config.insert("poi".into(), poi);
        config.insert("parameters".into(), Value::Array(merged));
        let mut m = Map::new();
        m.insert("name".into(), Value::String(name));
        m.insert("config".into(), Value::Object(config));
        out.push(Value::Object(m));
    }
    Ok(out)
}

/// Combines two workspaces, as `pyhf.Workspace.combine(left, right, join, merge_channels)`.
///
/// Channels, observations and measurements are joined by name according to
/// [`CombineOptions::join`]; clashes are errors naming the items. Versions must be equal.
/// Modifiers with the same name in both (for example `lumi`) become one, correlated,
/// parameter. The result is validated.
pub fn combine(left: &Value, right: &Value, opts: &CombineOptions) -> R<Value> {
    if opts.merge_channels && opts.join == JoinMode::None {
        return Err(OpsError::InvalidOperation(format!(
            "You can only merge channels using the \"outer\", \"left outer\", or \"right outer\" \
             join operations; not \"{}\"",
            opts.join
        )));
    }
    Workspace::from_value(left)?;
    Workspace::from_value(right)?;

    let version = |v: &Value| v.get("version").cloned().unwrap_or(Value::Null);
    let (lv, rv) = (version(left), version(right));
    if lv != rv {
        return Err(OpsError::InvalidOperation(format!(
            "Workspaces of different versions cannot be combined: {lv} != {rv}"
        )));
    }
    let channels = join_named(
        opts.join,
        arr(left, "channels", "left")?,
        arr(right, "channels", "right")?,
        opts.merge_channels.then_some("samples"),
        "channels",
    )?;
    let observations = join_named(
        opts.join,
        arr(left, "observations", "left")?,
        arr(right, "observations", "right")?,
        None,
        "observations",
    )?;
    let measurements = join_measurements(
        opts.join,
        arr(left, "measurements", "left")?,
        arr(right, "measurements", "right")?,
    )?;
    let mut out = Map::new();
    out.insert("channels".into(), Value::Array(channels));
    out.insert("measurements".into(), Value::Array(measurements));
    out.insert("observations".into(), Value::Array(observations));
    out.insert("version".into(), lv);
    let out = Value::Object(out);
    Workspace::from_value(&out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// sort

/// Sorts a workspace as `pyhf.Workspace.sorted`: channels, samples, observations,
/// measurements and measurement parameter configs by name, modifiers by (name, type).
/// Sorting is stable and by code point, as Python's. The result is validated.
pub fn sort(ws: &Value) -> R<Value> {
    Workspace::from_value(ws)?;
    let mut out = ws.clone();
    let by_name = |a: &Value, b: &Value| name_of(a).cmp(name_of(b));
    {
        let channels = arr_mut(&mut out, "channels", "$")?;
        channels.sort_by(by_name);
        for (ci, c) in channels.iter_mut().enumerate() {
            let cpath = format!("channels[{ci}]");
            let samples = arr_mut(c, "samples", &cpath)?;
            samples.sort_by(by_name);
            for (si, s) in samples.iter_mut().enumerate() {
                let mods = arr_mut(s, "modifiers", &format!("{cpath}.samples[{si}]"))?;
                mods.sort_by(|a, b| (name_of(a), type_of(a)).cmp(&(name_of(b), type_of(b))));
            }
        }
    }
    {
        let measurements = arr_mut(&mut out, "measurements", "$")?;
        measurements.sort_by(by_name);
        for (mi, m) in measurements.iter_mut().enumerate() {
            let cpath = format!("measurements[{mi}].config");
            let config = m
                .get_mut("config")
                .ok_or_else(|| shape(&cpath, "an object"))?;
            arr_mut(config, "parameters", &cpath)?.sort_by(by_name);
        }
    }
    arr_mut(&mut out, "observations", "$")?.sort_by(by_name);
    Workspace::from_value(&out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// JSON patches

/// Applies RFC 6902 JSON patches in order (each patch is a JSON array of operations) and
/// returns the patched document. Each patch applies atomically.
///
/// Errors name the patch (its index in `patches`), the operation and its `op`. The result
/// is not validated here: a patch may legitimately target a non-workspace document (pyhf
/// patches model specs too); call [`Workspace::from_value`] on it when it should be a
/// workspace.
pub fn apply_patches(value: &Value, patches: &[Value]) -> R<Value> {
    let mut doc = value.clone();
    for (index, p) in patches.iter().enumerate() {
        apply_one(&mut doc, p, index)?;
    }
    Ok(doc)
}

/// Parses one patch document (an array of operations), naming the operation that is
/// malformed.
pub(crate) fn parse_patch(p: &Value, index: usize) -> R<json_patch::Patch> {
    let ops = p.as_array().ok_or_else(|| OpsError::Patch {
        index,
        operation: None,
        op: None,
        message: "a JSON patch must be an array of operations".into(),
    })?;
    let mut parsed = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let one: json_patch::PatchOperation =
            serde_json::from_value(op.clone()).map_err(|e| OpsError::Patch {
                index,
                operation: Some(i),
                op: op.get("op").and_then(Value::as_str).map(str::to_owned),
                message: format!("malformed operation: {e}"),
            })?;
        parsed.push(one);
    }
    Ok(json_patch::Patch(parsed))
}

fn op_name(op: &json_patch::PatchOperation) -> &'static str {
    match op {
        json_patch::PatchOperation::Add(_) => "add",
        json_patch::PatchOperation::Remove(_) => "remove",
        json_patch::PatchOperation::Replace(_) => "replace",
        json_patch::PatchOperation::Move(_) => "move",
        json_patch::PatchOperation::Copy(_) => "copy",
        json_patch::PatchOperation::Test(_) => "test",
    }
}

/// Applies an already parsed patch; `index` only labels errors.
pub(crate) fn apply_parsed(doc: &mut Value, patch: &json_patch::Patch, index: usize) -> R<()> {
    json_patch::patch(doc, &patch.0).map_err(|e| OpsError::Patch {
        index,
        operation: Some(e.operation),
        op: patch.0.get(e.operation).map(|o| op_name(o).to_string()),
        message: format!("at path \"{}\": {}", e.path, e.kind),
    })
}

fn apply_one(doc: &mut Value, p: &Value, index: usize) -> R<()> {
    let patch = parse_patch(p, index)?;
    apply_parsed(doc, &patch, index)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use serde_json::json;

    fn ws() -> Value {
        json!({
            "channels": [{"name": "sr", "samples": [
                {"name": "sig", "data": [5.0, 1], "modifiers": [
                    {"name": "mu", "type": "normfactor", "data": null}]},
                {"name": "bkg", "data": [50.0, 60.0], "modifiers": [
                    {"name": "unc", "type": "shapesys", "data": [5.0, 6.0]}]}]}],
            "observations": [{"name": "sr", "data": [52.0, 61]}],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
                {"name": "mu", "bounds": [[0, 10]]}]}}],
            "version": "1.0.0"
        })
    }

    #[test]
    fn py_eq_treats_int_and_float_alike() {
        assert!(py_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!py_eq(&json!({"a": [1]}), &json!({"a": [1.5]})));
        assert!(!py_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!py_eq(&json!("1"), &json!(1)));
    }

    #[test]
    fn join_mode_names() {
        for j in JoinMode::ALL {
            assert_eq!(j.as_str().parse::<JoinMode>().unwrap(), j);
        }
        assert_eq!(
            "left-outer".parse::<JoinMode>().unwrap(),
            JoinMode::LeftOuter
        );
        let err = "inner".parse::<JoinMode>().unwrap_err().to_string();
        assert!(err.contains("\"inner\""), "{err}");
    }

    #[test]
    fn rename_poi_follows_modifier() {
        let out = rename(
            &ws(),
            &RenameOptions {
                modifiers: vec![("mu".into(), "mu_sig".into())],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out["measurements"][0]["config"]["poi"], "mu_sig");
        assert_eq!(
            out["measurements"][0]["config"]["parameters"][0]["name"],
            "mu_sig"
        );
        assert_eq!(
            out["channels"][0]["samples"][0]["modifiers"][0]["name"],
            "mu_sig"
        );
        // Untouched numbers keep their JSON form (integer 1 stays an integer).
        assert!(out["channels"][0]["samples"][0]["data"][1].is_u64());
    }

    #[test]
    fn prune_unknown_type_is_named() {
        let err = prune(
            &ws(),
            &PruneOptions {
                modifier_types: vec![ModifierKind::HistoSys],
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("histosys"), "{err}");
    }

    #[test]
    fn patch_errors_name_patch_and_operation() {
        let patches = vec![
            json!([{"op": "add", "path": "/version2", "value": 1}]),
            json!([
                {"op": "test", "path": "/version", "value": "1.0.0"},
                {"op": "remove", "path": "/channels/7"}
            ]),
        ];
        let err = apply_patches(&ws(), &patches).unwrap_err();
        match &err {
            OpsError::Patch {
                index,
                operation,
                op,
                ..
            } => {
                assert_eq!(*index, 1);
                assert_eq!(*operation, Some(1));
                assert_eq!(op.as_deref(), Some("remove"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("patch 1") && msg.contains("/channels/7"),
            "{msg}"
        );

        let bad = apply_patches(&ws(), &[json!([{"op": "frobnicate", "path": "/x"}])])
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("patch 0") && bad.contains("frobnicate"),
            "{bad}"
        );
    }
}
