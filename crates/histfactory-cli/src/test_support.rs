//! What the commands' unit tests share: command lines parsed as the binary parses them,
//! fixture paths and scratch files.

use crate::{Cli, Command};
use clap::Parser;
use std::path::PathBuf;

/// Parses `histfactory ARGS...` into its command.
pub(crate) fn try_parse(args: &[&str]) -> Result<Command, clap::Error> {
    Cli::try_parse_from(std::iter::once("histfactory").chain(args.iter().copied()))
        .map(|cli| cli.command)
}

/// Parses `histfactory ARGS...`, panicking on a command line the binary would reject.
pub(crate) fn parse(args: &[&str]) -> Command {
    try_parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// The path of a file under the repository's `fixtures/`.
pub(crate) fn fixture(rel: &str) -> String {
    format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// A scratch file name, unique to this test process.
pub(crate) fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("histfactory-tools-{}-{name}", std::process::id()))
}
