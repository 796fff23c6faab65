//! `prune`: removing channels, samples, modifiers and measurements, as
//! `pyhf.Workspace.prune`.

use super::prune_and_rename::prune_and_rename;
use super::{OpsError, RenameOptions};
use crate::spec::ModifierKind;
use serde_json::Value;

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

/// Removes channels, samples, modifiers (by name or type) and measurements, as
/// `pyhf.Workspace.prune`.
///
/// Pruning a channel also removes its observation; pruning a modifier by name also removes
/// its parameter config from every measurement. Naming something the workspace does not
/// have is an [`OpsError::InvalidOperation`] that names it. The result is validated.
pub fn prune(ws: &Value, opts: &PruneOptions) -> Result<Value, OpsError> {
    prune_and_rename(ws, opts, &RenameOptions::default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use crate::spec::ops::tests::small_workspace as ws;

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
}
