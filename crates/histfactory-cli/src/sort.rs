//! `histfactory sort`: orders a workspace's items by name, as `pyhf sort`.

use crate::json_io::{read_json, write_json};
use anyhow::Result;
use clap::Args;
use histfactory::spec::ops;
use std::path::PathBuf;

/// Arguments of `sort`.
#[derive(Args, Debug, Clone, PartialEq)]
#[command(after_help = "Example:\n  histfactory sort ws.json --output-file sorted.json")]
pub struct SortArgs {
    /// Workspace file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub workspace: String,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// `sort`: writes the sorted workspace.
pub fn run(args: SortArgs) -> Result<()> {
    let ws = read_json(&args.workspace)?;
    let out = ops::sort(&ws)?;
    write_json(&out, args.output_file.as_deref())
}
