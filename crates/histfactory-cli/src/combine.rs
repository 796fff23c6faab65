//! `histfactory combine`: joins two workspaces into one, as `pyhf combine`.

use crate::json_io::{read_json, write_json};
use anyhow::{bail, Result};
use clap::Args;
use histfactory::spec::ops::{self, CombineOptions, JoinMode};
use std::path::PathBuf;

/// Arguments of `combine`.
#[derive(Args, Debug, Clone, PartialEq)]
#[command(
    after_help = "Example:\n  histfactory combine regionA.json regionB.json \
                        --join outer --output-file combined.json"
)]
pub struct CombineArgs {
    /// First (left) workspace, `-` for stdin.
    pub workspace_one: String,
    /// Second (right) workspace, `-` for stdin.
    pub workspace_two: String,
    /// How to treat same-named channels, observations and measurements.
    #[arg(
        short = 'j',
        long,
        default_value = "none",
        value_parser = JoinMode::ALL.map(JoinMode::as_str)
    )]
    pub join: String,
    /// Merge the samples of same-named channels (outer joins only).
    #[arg(long, overrides_with = "no_merge_channels")]
    pub merge_channels: bool,
    /// Do not merge channels (the default).
    #[arg(long, overrides_with = "merge_channels")]
    pub no_merge_channels: bool,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// `combine`: joins two workspaces and writes the result.
pub fn run(args: CombineArgs) -> Result<()> {
    if args.workspace_one == "-" && args.workspace_two == "-" {
        bail!("only one of the two workspaces can be read from stdin");
    }
    let left = read_json(&args.workspace_one)?;
    let right = read_json(&args.workspace_two)?;
    let join: JoinMode = args.join.parse()?;
    let out = ops::combine(
        &left,
        &right,
        &CombineOptions {
            join,
            merge_channels: args.merge_channels,
        },
    )?;
    write_json(&out, args.output_file.as_deref())
}

#[cfg(test)]
mod tests {
    use crate::test_support::parse;
    use crate::Command;

    #[test]
    fn parses_pyhf_style_join_and_merge_flags() {
        match parse(&[
            "combine",
            "a.json",
            "b.json",
            "-j",
            "left outer",
            "--merge-channels",
        ]) {
            Command::Combine(a) => {
                assert_eq!(a.join, "left outer");
                assert!(a.merge_channels);
            }
            other => panic!("{other:?}"),
        }
    }
}
