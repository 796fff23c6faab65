//! `histfactory prune`: removes channels, samples, modifiers (by name or type) and
//! measurements from a workspace, as `pyhf prune`.

use crate::json_io::{read_json, write_json};
use anyhow::{Context, Result};
use clap::Args;
use histfactory::spec::ops::{self, PruneOptions};
use histfactory::spec::ModifierKind;
use std::path::PathBuf;

/// Arguments of `prune`.
#[derive(Args, Debug, Clone, PartialEq)]
#[command(
    after_help = "Example:\n  histfactory prune ws.json -c CR_ttbar -m syst1 -t staterror \
                        --output-file pruned.json"
)]
pub struct PruneArgs {
    /// Workspace file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub workspace: String,
    /// Channel to remove (with its observation). Repeatable.
    #[arg(short = 'c', long = "channel", value_name = "CHANNEL")]
    pub channels: Vec<String>,
    /// Sample to remove from every channel. Repeatable.
    #[arg(short = 's', long = "sample", value_name = "SAMPLE")]
    pub samples: Vec<String>,
    /// Modifier to remove (with its parameter configs). Repeatable.
    #[arg(short = 'm', long = "modifier", value_name = "MODIFIER")]
    pub modifiers: Vec<String>,
    /// Modifier type to remove. Repeatable.
    #[arg(
        short = 't',
        long = "modifier-type",
        value_name = "TYPE",
        value_parser = ModifierKind::ALL.map(ModifierKind::as_str)
    )]
    pub modifier_types: Vec<String>,
    /// Measurement to remove. Repeatable.
    #[arg(long = "measurement", value_name = "MEASUREMENT")]
    pub measurements: Vec<String>,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// `prune`: removes the named items and writes the pruned workspace.
pub fn run(args: PruneArgs) -> Result<()> {
    let ws = read_json(&args.workspace)?;
    let modifier_types = args
        .modifier_types
        .iter()
        .map(|t| ModifierKind::from_name(t).with_context(|| format!("unknown modifier type {t}")))
        .collect::<Result<Vec<_>>>()?;
    let out = ops::prune(
        &ws,
        &PruneOptions {
            modifiers: args.modifiers,
            modifier_types,
            samples: args.samples,
            channels: args.channels,
            measurements: args.measurements,
        },
    )?;
    write_json(&out, args.output_file.as_deref())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use crate::test_support::{fixture, parse, tmp, try_parse};
    use crate::Command;
    use histfactory::spec::Workspace;
    use serde_json::Value;

    #[test]
    fn modifier_types_are_checked_by_the_parser() {
        assert!(try_parse(&["prune", "ws.json", "-t", "bogus"]).is_err());
    }

    #[test]
    fn prune_writes_a_valid_workspace_in_pyhf_layout() {
        let out = tmp("pruned.json");
        let Command::Prune(args) = parse(&[
            "prune",
            &fixture("data/pyhf/tests/test_patchset/example_bkgonly.json"),
            "-t",
            "staterror",
            "--output-file",
            out.to_str().unwrap(),
        ]) else {
            panic!("not a prune command")
        };
        run(args).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_file(&out).ok();
        assert!(
            text.starts_with("{\n    \"channels\": [\n"),
            "{}",
            &text[..40]
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let ws = Workspace::from_value(&v).unwrap();
        assert!(ws.channels[0]
            .samples
            .iter()
            .all(|s| s.modifiers.iter().all(|m| m.name != "staterror_channel1")));
    }
}
