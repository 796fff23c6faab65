//! `combine`: joining two workspaces into one, as `pyhf.Workspace.combine`, with pyhf's
//! four join modes and their clash rules.

use super::{arr, name_of, py_eq, quoted, OpsError};
use crate::spec::Workspace;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

type R<T> = Result<T, OpsError>;

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;

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
}
