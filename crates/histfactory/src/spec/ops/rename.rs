//! `rename`: renaming channels, samples, modifiers and measurements, as
//! `pyhf.Workspace.rename`.

use super::prune_and_rename::prune_and_rename;
use super::{OpsError, PruneOptions};
use serde_json::Value;

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

/// Renames channels, samples, modifiers and measurements, as `pyhf.Workspace.rename`.
///
/// Renaming a channel renames its observation; renaming a modifier renames its parameter
/// configs and, if it is the POI, the POI of every measurement. Naming something the
/// workspace does not have is an [`OpsError::InvalidOperation`]. The result is validated
/// (so renaming onto an existing name, which creates duplicates, is rejected).
pub fn rename(ws: &Value, opts: &RenameOptions) -> Result<Value, OpsError> {
    prune_and_rename(ws, &PruneOptions::default(), opts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use crate::spec::ops::tests::small_workspace as ws;

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
}
