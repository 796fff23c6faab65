//! Hand-written reading of the workspace JSON. Written by hand rather than with serde's
//! derive so that every message carries the exact JSON path and says what was expected:
//! these messages are what a physicist sees when a published workspace is malformed.
//! Valid text takes the faster `typed` path; this one reads patched documents and finds
//! the error in invalid ones.

use super::{
    Channel, Measurement, Modifier, ModifierData, ModifierKind, Observation, ParameterConfig,
    Sample, SpecError, Workspace,
};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::hash::Hash;

type R<T> = Result<T, SpecError>;

/// What a JSON value is, as a message names it after "found" ("an array", "null"); the
/// workspace and the patchset readers share it so that both say it the same way.
pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, path: &str, allowed: &[&str]) -> R<&'a Map<String, Value>> {
    let obj = v.as_object().ok_or_else(|| {
        SpecError::invalid(path, format!("expected an object, found {}", kind_of(v)))
    })?;
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(SpecError::invalid(
            path,
            format!("unexpected key \"{k}\" (allowed: {})", allowed.join(", ")),
        ));
    }
    Ok(obj)
}

fn field<'a>(obj: &'a Map<String, Value>, key: &str, path: &str) -> R<&'a Value> {
    obj.get(key)
        .ok_or_else(|| SpecError::invalid(path, format!("missing required key \"{key}\"")))
}

fn string(v: &Value, path: &str) -> R<String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| SpecError::invalid(path, format!("expected a string, found {}", kind_of(v))))
}

fn number(v: &Value, path: &str) -> R<f64> {
    v.as_f64()
        .ok_or_else(|| SpecError::invalid(path, format!("expected a number, found {}", kind_of(v))))
}

fn array<'a>(v: &'a Value, path: &str) -> R<&'a Vec<Value>> {
    v.as_array()
        .ok_or_else(|| SpecError::invalid(path, format!("expected an array, found {}", kind_of(v))))
}

fn numbers(v: &Value, path: &str, min_items: usize) -> R<Vec<f64>> {
    let arr = array(v, path)?;
    if arr.len() < min_items {
        return Err(SpecError::invalid(
            path,
            format!("expected at least {min_items} number(s), found an empty array"),
        ));
    }
    arr.iter()
        .enumerate()
        .map(|(i, x)| number(x, &format!("{path}[{i}]")))
        .collect()
}

pub(super) fn workspace(v: &Value) -> R<Workspace> {
    let obj = object(
        v,
        "$",
        &["channels", "observations", "measurements", "version"],
    )?;
    let channels = array(field(obj, "channels", "$")?, "channels")?
        .iter()
        .enumerate()
        .map(|(i, c)| channel(c, &format!("channels[{i}]")))
        .collect::<R<Vec<_>>>()?;
    let observations = array(field(obj, "observations", "$")?, "observations")?
        .iter()
        .enumerate()
        .map(|(i, o)| observation(o, &format!("observations[{i}]")))
        .collect::<R<Vec<_>>>()?;
    let measurements = array(field(obj, "measurements", "$")?, "measurements")?
        .iter()
        .enumerate()
        .map(|(i, m)| measurement(m, &format!("measurements[{i}]")))
        .collect::<R<Vec<_>>>()?;
    let version = string(field(obj, "version", "$")?, "version")?;
    Ok(Workspace {
        channels,
        observations,
        measurements,
        version,
    })
}

/// Parses a list of channels alone (the `channels` of a model spec).
pub(super) fn channel(v: &Value, path: &str) -> R<Channel> {
    let obj = object(v, path, &["name", "samples"])?;
    let name = string(field(obj, "name", path)?, &format!("{path}.name"))?;
    let samples = array(field(obj, "samples", path)?, &format!("{path}.samples"))?
        .iter()
        .enumerate()
        .map(|(i, s)| sample(s, &format!("{path}.samples[{i}]")))
        .collect::<R<Vec<_>>>()?;
    Ok(Channel { name, samples })
}

fn sample(v: &Value, path: &str) -> R<Sample> {
    let obj = object(v, path, &["name", "data", "modifiers", "parameter_configs"])?;
    let name = string(field(obj, "name", path)?, &format!("{path}.name"))?;
    let data = numbers(field(obj, "data", path)?, &format!("{path}.data"), 1)?;
    let modifiers = array(field(obj, "modifiers", path)?, &format!("{path}.modifiers"))?
        .iter()
        .enumerate()
        .map(|(i, m)| modifier(m, &format!("{path}.modifiers[{i}]")))
        .collect::<R<Vec<_>>>()?;
    Ok(Sample {
        name,
        data,
        modifiers,
    })
}

fn null_data(obj: &Map<String, Value>, path: &str, ty: &str) -> R<()> {
    match obj.get("data") {
        None | Some(Value::Null) => Ok(()),
        Some(other) => Err(SpecError::invalid(
            format!("{path}.data"),
            format!("a {ty} modifier takes data null, found {}", kind_of(other)),
        )),
    }
}

fn modifier(v: &Value, path: &str) -> R<Modifier> {
    let obj = object(v, path, &["name", "type", "data"])?;
    let name = string(field(obj, "name", path)?, &format!("{path}.name"))?;
    let ty = string(field(obj, "type", path)?, &format!("{path}.type"))?;
    let kind = ModifierKind::from_name(&ty).ok_or_else(|| {
        SpecError::invalid(
            format!("{path}.type"),
            format!(
                "unknown modifier type \"{ty}\" (expected one of: {})",
                ModifierKind::ALL.map(ModifierKind::as_str).join(", ")
            ),
        )
    })?;
    let dpath = format!("{path}.data");
    let data = match kind {
        ModifierKind::NormFactor => {
            null_data(obj, path, "normfactor")?;
            ModifierData::NormFactor
        }
        ModifierKind::ShapeFactor => {
            null_data(obj, path, "shapefactor")?;
            ModifierData::ShapeFactor
        }
        ModifierKind::Lumi => {
            null_data(obj, path, "lumi")?;
            if name != "lumi" {
                return Err(SpecError::invalid(
                    format!("{path}.name"),
                    format!("a lumi modifier must be named \"lumi\", found \"{name}\""),
                ));
            }
            ModifierData::Lumi
        }
        ModifierKind::NormSys => {
            let d = object(field(obj, "data", path)?, &dpath, &["hi", "lo"])?;
            ModifierData::NormSys {
                hi: number(field(d, "hi", &dpath)?, &format!("{dpath}.hi"))?,
                lo: number(field(d, "lo", &dpath)?, &format!("{dpath}.lo"))?,
            }
        }
        ModifierKind::HistoSys => {
            let d = object(field(obj, "data", path)?, &dpath, &["hi_data", "lo_data"])?;
            ModifierData::HistoSys {
                hi_data: numbers(field(d, "hi_data", &dpath)?, &format!("{dpath}.hi_data"), 1)?,
                lo_data: numbers(field(d, "lo_data", &dpath)?, &format!("{dpath}.lo_data"), 1)?,
            }
        }
        ModifierKind::ShapeSys => {
            ModifierData::ShapeSys(numbers(field(obj, "data", path)?, &dpath, 1)?)
        }
        ModifierKind::StatError => {
            ModifierData::StatError(numbers(field(obj, "data", path)?, &dpath, 1)?)
        }
    };
    Ok(Modifier { name, data })
}

fn observation(v: &Value, path: &str) -> R<Observation> {
    let obj = object(v, path, &["name", "data"])?;
    Ok(Observation {
        name: string(field(obj, "name", path)?, &format!("{path}.name"))?,
        data: numbers(field(obj, "data", path)?, &format!("{path}.data"), 1)?,
    })
}

fn measurement(v: &Value, path: &str) -> R<Measurement> {
    let obj = object(v, path, &["name", "config"])?;
    let name = string(field(obj, "name", path)?, &format!("{path}.name"))?;
    let cpath = format!("{path}.config");
    let config = object(field(obj, "config", path)?, &cpath, &["poi", "parameters"])?;
    let poi = string(field(config, "poi", &cpath)?, &format!("{cpath}.poi"))?;
    let parameters = array(
        field(config, "parameters", &cpath)?,
        &format!("{cpath}.parameters"),
    )?
    .iter()
    .enumerate()
    .map(|(i, p)| parameter_config(p, &format!("{cpath}.parameters[{i}]")))
    .collect::<R<Vec<_>>>()?;
    Ok(Measurement {
        name,
        poi,
        parameters,
    })
}

/// Parses one measurement parameter configuration.
pub(crate) fn parameter_config(v: &Value, path: &str) -> R<ParameterConfig> {
    let obj = object(
        v,
        path,
        &[
            "name", "inits", "bounds", "auxdata", "factors", "sigmas", "fixed",
        ],
    )?;
    let opt_numbers = |key: &str| -> R<Option<Vec<f64>>> {
        obj.get(key)
            .map(|x| numbers(x, &format!("{path}.{key}"), 1))
            .transpose()
    };
    let bounds = obj
        .get("bounds")
        .map(|b| {
            let bpath = format!("{path}.bounds");
            array(b, &bpath)?
                .iter()
                .enumerate()
                .map(|(i, pair)| {
                    let ppath = format!("{bpath}[{i}]");
                    let xs = numbers(pair, &ppath, 2)?;
                    if xs.len() != 2 {
                        return Err(SpecError::invalid(
                            ppath,
                            format!("expected a pair [lo, hi], found {} numbers", xs.len()),
                        ));
                    }
                    if xs[0] > xs[1] {
                        return Err(SpecError::invalid(
                            ppath,
                            format!("lower bound {} is above upper bound {}", xs[0], xs[1]),
                        ));
                    }
                    Ok([xs[0], xs[1]])
                })
                .collect::<R<Vec<_>>>()
        })
        .transpose()?;
    let fixed = obj
        .get("fixed")
        .map(|f| {
            f.as_bool().ok_or_else(|| {
                SpecError::invalid(
                    format!("{path}.fixed"),
                    format!("expected a boolean, found {}", kind_of(f)),
                )
            })
        })
        .transpose()?;
    Ok(ParameterConfig {
        name: string(field(obj, "name", path)?, &format!("{path}.name"))?,
        inits: opt_numbers("inits")?,
        bounds,
        auxdata: opt_numbers("auxdata")?,
        factors: opt_numbers("factors")?,
        sigmas: opt_numbers("sigmas")?,
        fixed,
    })
}

/// The first item equal to an earlier one, with its index.
///
/// Short lists (most: a sample's modifiers, a channel's samples) are scanned pairwise,
/// which beats hashing every item with SipHash; long ones go through a hash set.
fn first_repeat<T: Copy + Eq + Hash>(items: impl Iterator<Item = T> + Clone) -> Option<(usize, T)> {
    const PAIRWISE_MAX: usize = 32;
    if items.clone().nth(PAIRWISE_MAX).is_none() {
        items
            .clone()
            .enumerate()
            .find(|&(i, a)| items.clone().take(i).any(|b| b == a))
    } else {
        let mut seen = HashSet::new();
        items.enumerate().find(|&(_, a)| !seen.insert(a))
    }
}

/// Rejects a repeated name; `path` (the list's JSON path) is formatted only for the error.
fn unique<'a, P: std::fmt::Display>(
    names: impl Iterator<Item = &'a str> + Clone,
    path: impl FnOnce() -> P,
    what: &str,
) -> R<()> {
    match first_repeat(names) {
        Some((i, n)) => Err(SpecError::invalid(
            format!("{}[{i}].name", path()),
            format!("duplicate {what} name \"{n}\""),
        )),
        None => Ok(()),
    }
}

/// Checks what the types alone cannot: counts, unique names, bins that line up, and
/// observations that match their channels.
pub(super) fn validate(ws: &Workspace) -> R<()> {
    if ws.version != "1.0.0" {
        return Err(SpecError::invalid(
            "version",
            format!("expected \"1.0.0\", found \"{}\"", ws.version),
        ));
    }
    validate_channels(&ws.channels)?;
    if ws.observations.is_empty() {
        return Err(SpecError::invalid(
            "observations",
            "expected at least one observation",
        ));
    }
    unique(
        ws.observations.iter().map(|o| o.name.as_str()),
        || "observations",
        "observation",
    )?;
    for (i, o) in ws.observations.iter().enumerate() {
        // An observation without a channel is tolerated here, as pyhf does (published
        // workspaces that were pruned carry them); `lint` reports it and strict reading
        // rejects it.
        let Some(ch) = ws.channels.iter().find(|c| c.name == o.name) else {
            continue;
        };
        let nbins = ch.samples[0].data.len();
        if o.data.len() != nbins {
            return Err(SpecError::invalid(
                format!("observations[{i}].data"),
                format!(
                    "expected {nbins} bins (channel \"{}\"), found {}",
                    ch.name,
                    o.data.len()
                ),
            ));
        }
        // Observations count events: a negative or infinite count has no Poisson
        // probability (pyhf evaluates it to NaN or -inf at every parameter point), so it
        // is refused here, where the bin can be named, rather than as a failed fit.
        if let Some(j) = o.data.iter().position(|n| !(n.is_finite() && *n >= 0.0)) {
            return Err(SpecError::invalid(
                format!("observations[{i}].data[{j}]"),
                format!(
                    "expected a count of at least 0, found {} (channel \"{}\", bin {j})",
                    o.data[j], o.name
                ),
            ));
        }
    }
    if ws.measurements.is_empty() {
        return Err(SpecError::invalid(
            "measurements",
            "expected at least one measurement",
        ));
    }
    unique(
        ws.measurements.iter().map(|m| m.name.as_str()),
        || "measurements",
        "measurement",
    )?;
    for (i, m) in ws.measurements.iter().enumerate() {
        validate_parameter_configs(
            &m.parameters,
            &format!("measurements[{i}].config.parameters"),
        )?;
    }
    Ok(())
}

pub(crate) fn validate_parameter_configs(params: &[ParameterConfig], path: &str) -> R<()> {
    unique(
        params.iter().map(|p| p.name.as_str()),
        || path,
        "parameter configuration",
    )
}

/// Channel-level checks shared by workspaces and bare model specs.
pub(crate) fn validate_channels(channels: &[Channel]) -> R<()> {
    if channels.is_empty() {
        return Err(SpecError::invalid(
            "channels",
            "expected at least one channel",
        ));
    }
    unique(
        channels.iter().map(|c| c.name.as_str()),
        || "channels",
        "channel",
    )?;
    // Paths are formatted only for an error: this runs on every workspace read.
    for (ci, c) in channels.iter().enumerate() {
        let cpath = || format!("channels[{ci}]");
        if c.samples.is_empty() {
            return Err(SpecError::invalid(
                format!("{}.samples", cpath()),
                format!("channel \"{}\" has no samples", c.name),
            ));
        }
        unique(
            c.samples.iter().map(|s| s.name.as_str()),
            || format!("{}.samples", cpath()),
            "sample",
        )?;
        let nbins = c.samples[0].data.len();
        for (si, s) in c.samples.iter().enumerate() {
            let spath = || format!("{}.samples[{si}]", cpath());
            if s.data.len() != nbins {
                return Err(SpecError::invalid(
                    format!("{}.data", spath()),
                    format!(
                        "expected {nbins} bins (channel \"{}\", as its first sample), found {}",
                        c.name,
                        s.data.len()
                    ),
                ));
            }
            // Reported where the scan reaches it, after the earlier modifiers' bin counts.
            let keys = s.modifiers.iter().map(|m| (m.name.as_str(), m.data.kind()));
            let repeat = first_repeat(keys).map(|(mi, _)| mi);
            for (mi, m) in s.modifiers.iter().enumerate() {
                let mpath = || format!("{}.modifiers[{mi}]", spath());
                if repeat == Some(mi) {
                    return Err(SpecError::invalid(
                        format!("{}.name", mpath()),
                        format!(
                            "duplicate modifier \"{}\" of type {} in sample \"{}\"",
                            m.name,
                            m.data.kind(),
                            s.name
                        ),
                    ));
                }
                let check = |len: usize, sub: &str| -> R<()> {
                    if len != nbins {
                        return Err(SpecError::invalid(
                            format!("{}.data{sub}", mpath()),
                            format!(
                                "expected {nbins} bins (channel \"{}\"), found {len}",
                                c.name
                            ),
                        ));
                    }
                    Ok(())
                };
                match &m.data {
                    ModifierData::HistoSys { hi_data, lo_data } => {
                        check(hi_data.len(), ".hi_data")?;
                        check(lo_data.len(), ".lo_data")?;
                    }
                    ModifierData::ShapeSys(d) | ModifierData::StatError(d) => check(d.len(), "")?,
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Problems pyhf tolerates but that usually mean a mistake, as (JSON path, message).
pub(super) fn lint(ws: &Workspace) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, o) in ws.observations.iter().enumerate() {
        if !ws.channels.iter().any(|c| c.name == o.name) {
            out.push((
                format!("observations[{i}].name"),
                format!(
                    "observation for channel \"{}\", which the workspace does not have",
                    o.name
                ),
            ));
        }
    }
    for (ci, c) in ws.channels.iter().enumerate() {
        if !ws.observations.iter().any(|o| o.name == c.name) {
            out.push((
                format!("channels[{ci}].name"),
                format!("channel \"{}\" has no observation", c.name),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::first_repeat;

    #[test]
    fn first_repeat_finds_the_first_repeated_item_in_short_and_long_lists() {
        for len in [0, 1, 2, 5, 32, 33, 200] {
            let names: Vec<String> = (0..len).map(|i| format!("p{i}")).collect();
            let all = || names.iter().map(String::as_str);
            assert_eq!(first_repeat(all()), None, "{len} distinct names");
            if len < 2 {
                continue;
            }
            // The last item repeats item 0, and (in lists of 5 or more) the middle one
            // repeats item 1 before it: the earlier repeat is the one reported.
            let mut with = names.clone();
            with[len - 1] = names[0].clone();
            let expected = if len >= 5 {
                with[len / 2] = names[1].clone();
                (len / 2, "p1")
            } else {
                (len - 1, "p0")
            };
            let got = first_repeat(with.iter().map(String::as_str));
            assert_eq!(got, Some(expected), "{len} names");
        }
    }
}
