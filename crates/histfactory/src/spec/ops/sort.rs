//! `sort`: ordering a workspace's items by name, as `pyhf.Workspace.sorted`.

use super::{arr_mut, name_of, shape, type_of, OpsError};
use crate::spec::Workspace;
use serde_json::Value;

/// Sorts a workspace as `pyhf.Workspace.sorted`: channels, samples, observations,
/// measurements and measurement parameter configs by name, modifiers by (name, type).
/// Sorting is stable and by code point, as Python's. The result is validated.
pub fn sort(ws: &Value) -> Result<Value, OpsError> {
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
