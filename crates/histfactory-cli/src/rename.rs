//! `histfactory rename`: renames channels, samples, modifiers and measurements of a
//! workspace, as `pyhf rename`.

use crate::json_io::{read_json, write_json};
use anyhow::Result;
use clap::Args;
use histfactory::spec::ops::{self, RenameOptions};
use std::path::PathBuf;

/// Arguments of `rename`.
#[derive(Args, Debug, Clone, PartialEq)]
#[command(
    after_help = "Example:\n  histfactory rename ws.json -m mu_SIG mu -c SR_meff SR \
                        --output-file renamed.json"
)]
pub struct RenameArgs {
    /// Workspace file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub workspace: String,
    /// Rename a channel (and its observation). Repeatable.
    #[arg(short = 'c', long = "channel", num_args = 2, value_names = ["OLD", "NEW"])]
    pub channels: Vec<String>,
    /// Rename a sample. Repeatable.
    #[arg(short = 's', long = "sample", num_args = 2, value_names = ["OLD", "NEW"])]
    pub samples: Vec<String>,
    /// Rename a modifier (and its parameter configs and POI). Repeatable.
    #[arg(short = 'm', long = "modifier", num_args = 2, value_names = ["OLD", "NEW"])]
    pub modifiers: Vec<String>,
    /// Rename a measurement. Repeatable.
    #[arg(long = "measurement", num_args = 2, value_names = ["OLD", "NEW"])]
    pub measurements: Vec<String>,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

fn pairs(flat: &[String]) -> Vec<(String, String)> {
    // clap guarantees two values per occurrence, so the list has even length.
    flat.chunks_exact(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect()
}

/// `rename`: renames the given items and writes the renamed workspace.
pub fn run(args: RenameArgs) -> Result<()> {
    let ws = read_json(&args.workspace)?;
    let out = ops::rename(
        &ws,
        &RenameOptions {
            modifiers: pairs(&args.modifiers),
            samples: pairs(&args.samples),
            channels: pairs(&args.channels),
            measurements: pairs(&args.measurements),
        },
    )?;
    write_json(&out, args.output_file.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::parse;
    use crate::Command;

    #[test]
    fn parses_pyhf_style_old_new_pairs() {
        match parse(&[
            "rename",
            "ws.json",
            "-m",
            "a",
            "b",
            "-m",
            "c",
            "d",
            "--measurement",
            "x",
            "y",
        ]) {
            Command::Rename(a) => {
                assert_eq!(
                    pairs(&a.modifiers),
                    [("a".into(), "b".into()), ("c".into(), "d".into())]
                );
                assert_eq!(pairs(&a.measurements), [("x".into(), "y".into())]);
            }
            other => panic!("{other:?}"),
        }
    }
}
