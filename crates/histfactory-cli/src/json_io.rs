//! Reading and writing the JSON documents the commands take and give: workspaces, patches,
//! patchsets and parameter vectors, from `.json` or `.json.gz` files or from standard input
//! (`-`), and workspaces written in pyhf's layout.

use crate::model_args::input;
use anyhow::Context;
use histfactory::spec::{pyjson, value_from_bytes, Workspace};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// Reads a JSON document (`.json` or `.json.gz`) from a path, or standard input for `-`.
///
/// Every error is the user's input (exit code 2) and names where the document came from:
/// the file's path, or `<stdin>`.
pub fn read_json(path: impl AsRef<Path>) -> anyhow::Result<Value> {
    let path = path.as_ref();
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        // The same wording as a file that cannot be read ("cannot read PATH: ...").
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| input(anyhow::anyhow!("cannot read <stdin>: {e}")))?;
        value_from_bytes(&bytes).map_err(|e| input(anyhow::anyhow!("<stdin>: {e}")))
    } else {
        Workspace::read_value(path).map_err(input)
    }
}

/// Writes `value` as pyhf does (indent 4, sorted keys, ASCII escapes, Python number
/// formatting), so that outputs can be diffed against pyhf's byte for byte: to stdout with
/// a final newline (as `click.echo`), or to `output_file` without one (as `json.dump`).
pub fn write_json(value: &Value, output_file: Option<&Path>) -> anyhow::Result<()> {
    let text = pyjson::to_string_pretty_ascii(value, 4);
    match output_file {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            crate::output::write_stdout_bytes(text.as_bytes())?;
            crate::output::write_stdout_bytes(b"\n")?;
        }
    }
    Ok(())
}
