//! The one walk over a workspace that [`prune`](fn@super::prune) and
//! [`rename`](fn@super::rename) share, as pyhf implements both in
//! `Workspace._prune_and_rename`: existence checks in pyhf's order, then one pass that
//! drops and renames items and the measurement entries that follow them.

use super::{arr_mut, name_of, set_name, shape, type_of, OpsError, PruneOptions, RenameOptions};
use crate::spec::{ModifierKind, Workspace};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

fn pairs_map(pairs: &[(String, String)]) -> HashMap<&str, &str> {
    // Later pairs overwrite earlier ones, as keys of a Python dict literal do.
    pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// Prunes, then renames, what the options name (either side may be empty).
pub(super) fn prune_and_rename(
    ws: &Value,
    prune: &PruneOptions,
    rename: &RenameOptions,
) -> Result<Value, OpsError> {
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
