//! `histfactory patchset inspect|extract|verify|apply`: pyhf patchsets (many signal
//! patches for one background-only workspace, as published on HEPData), as `pyhf patchset`.

use crate::json_io::{read_json, write_json};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use histfactory::spec::patchset::{PatchKey, PatchSet};
use histfactory::spec::pyjson;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// `patchset` subcommands.
#[derive(Subcommand, Debug, Clone, PartialEq)]
pub enum PatchsetCommand {
    /// List a patchset's metadata and patches.
    #[command(after_help = "Example:\n  histfactory patchset inspect patchset.json.gz")]
    Inspect(PatchsetInspectArgs),
    /// Print one patch of a patchset (a JSON patch).
    #[command(
        after_help = "Example:\n  histfactory patchset extract patchset.json.gz \
                            --name C1N2_Wh_hbb_700_400 --output-file patch.json"
    )]
    Extract(PatchsetExtractArgs),
    /// Check the patchset's digests against a background-only workspace.
    #[command(
        after_help = "Example:\n  histfactory patchset verify BkgOnly.json patchset.json.gz"
    )]
    Verify(PatchsetVerifyArgs),
    /// Verify, then apply one patch to the background-only workspace.
    #[command(
        after_help = "Example:\n  histfactory patchset apply BkgOnly.json patchset.json.gz \
                            --name C1N2_Wh_hbb_700_400 --output-file signal.json"
    )]
    Apply(PatchsetApplyArgs),
}

/// Arguments of `patchset inspect`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct PatchsetInspectArgs {
    /// Patchset file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub patchset: String,
    /// Print one JSON object (metadata and each patch's name and values).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `patchset extract`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct PatchsetExtractArgs {
    /// Patchset file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub patchset: String,
    /// Name of the patch.
    #[arg(long)]
    pub name: String,
    /// Include the patch and patchset metadata: `{"metadata": ..., "patch": [...]}`.
    #[arg(long, overrides_with = "without_metadata")]
    pub with_metadata: bool,
    /// Print only the JSON patch (the default).
    #[arg(long, overrides_with = "with_metadata")]
    pub without_metadata: bool,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Arguments of `patchset verify`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct PatchsetVerifyArgs {
    /// Background-only workspace, `-` for stdin.
    pub background_only: String,
    /// Patchset file.
    pub patchset: String,
}

/// Arguments of `patchset apply`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct PatchsetApplyArgs {
    /// Background-only workspace, `-` for stdin.
    pub background_only: String,
    /// Patchset file.
    pub patchset: String,
    /// Name of the patch to apply.
    #[arg(long)]
    pub name: String,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Runs one `patchset` subcommand.
pub fn run(cmd: PatchsetCommand) -> Result<()> {
    match cmd {
        PatchsetCommand::Inspect(a) => run_inspect(a),
        PatchsetCommand::Extract(a) => run_extract(a),
        PatchsetCommand::Verify(a) => run_verify(a),
        PatchsetCommand::Apply(a) => run_apply(a),
    }
}

fn load_patchset(input: &str) -> Result<PatchSet> {
    let v = read_json(input)?;
    PatchSet::from_value(&v).with_context(|| format!("patchset {input}"))
}

/// `patchset inspect`: prints the metadata and the patches' names and values.
fn run_inspect(args: PatchsetInspectArgs) -> Result<()> {
    let ps = load_patchset(&args.patchset)?;
    if args.json {
        let patches: Vec<Value> = ps
            .patches
            .iter()
            .map(|p| serde_json::json!({"name": p.name, "values": p.values}))
            .collect();
        let digests: Map<String, Value> = ps
            .digests
            .iter()
            .map(|(a, d)| (a.clone(), Value::String(d.clone())))
            .collect();
        let out = serde_json::json!({
            "description": ps.description,
            "digests": digests,
            "labels": ps.labels,
            "references": ps.references,
            "patches": patches,
            "version": ps.version,
        });
        return write_json(&out, None);
    }
    outln!("description: {}", ps.description)?;
    for (k, v) in &ps.references {
        outln!("reference:   {k}: {}", v.as_str().unwrap_or_default())?;
    }
    for (a, d) in &ps.digests {
        outln!("digest:      {a}:{d}")?;
    }
    outln!("labels:      {}", ps.labels.join(", "))?;
    outln!()?;
    outln!(
        "{} patch{} found in the patchset",
        ps.patches.len(),
        if ps.patches.len() == 1 { "" } else { "es" }
    )?;
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => pyjson::to_string(other),
    };
    let rows: Vec<(String, Vec<String>)> = ps
        .patches
        .iter()
        .map(|p| (p.name.clone(), p.values.iter().map(cell).collect()))
        .collect();
    // Column widths: the widest of the header and every row, so the table lines up.
    let name_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
    let widths: Vec<usize> = ps
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            rows.iter()
                .filter_map(|r| r.1.get(i).map(String::len))
                .max()
                .unwrap_or(0)
                .max(l.len())
        })
        .collect();
    let line = |name: &str, cells: &[String]| {
        let cols: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        format!("{name:name_w$}  {}", cols.join("  "))
    };
    outln!("{}", line("name", &ps.labels))?;
    for (name, cells) in &rows {
        outln!("{}", line(name, cells))?;
    }
    Ok(())
}

/// `patchset extract`: writes one patch (optionally with the merged metadata).
fn run_extract(args: PatchsetExtractArgs) -> Result<()> {
    let ps = load_patchset(&args.patchset)?;
    let patch = ps.get(&PatchKey::Name(args.name.clone()))?;
    let out = if args.with_metadata {
        // As pyhf: the patch's metadata updated with the patchset's metadata.
        let mut md = patch.metadata.clone();
        for (k, v) in &ps.metadata {
            md.insert(k.clone(), v.clone());
        }
        serde_json::json!({"metadata": md, "patch": patch.operations})
    } else {
        patch.operations.clone()
    };
    write_json(&out, args.output_file.as_deref())
}

/// `patchset verify`: checks the digests; prints `All good.` on success.
fn run_verify(args: PatchsetVerifyArgs) -> Result<()> {
    if args.background_only == "-" && args.patchset == "-" {
        bail!("only one input can be read from stdin");
    }
    let ws = read_json(&args.background_only)?;
    let ps = load_patchset(&args.patchset)?;
    ps.verify(&ws)?;
    outln!("All good.")?;
    Ok(())
}

/// `patchset apply`: verifies, applies the named patch and writes the workspace.
fn run_apply(args: PatchsetApplyArgs) -> Result<()> {
    if args.background_only == "-" && args.patchset == "-" {
        bail!("only one input can be read from stdin");
    }
    let ws = read_json(&args.background_only)?;
    let ps = load_patchset(&args.patchset)?;
    let out = ps.apply(&ws, &PatchKey::Name(args.name))?;
    write_json(&out, args.output_file.as_deref())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on unexpected results
mod tests {
    use super::*;
    use crate::test_support::{fixture, parse, tmp};
    use crate::Command;

    fn run_command(args: &[&str]) -> Result<()> {
        let Command::Patchset(cmd) = parse(args) else {
            panic!("not a patchset command")
        };
        run(cmd)
    }

    #[test]
    fn patchset_apply_and_errors() {
        let out = tmp("patched.json");
        run_command(&[
            "patchset",
            "apply",
            &fixture("data/pyhf/tests/test_patchset/example_bkgonly.json"),
            &fixture("data/pyhf/tests/test_patchset/example_patchset.json"),
            "--name",
            "patch_channel1_signal_syst1",
            "--output-file",
            out.to_str().unwrap(),
        ])
        .unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        std::fs::remove_file(&out).ok();
        assert_eq!(
            v["channels"][0]["samples"][0]["modifiers"][0]["data"]["hi"],
            1.2
        );

        let err = run_command(&[
            "patchset",
            "apply",
            &fixture("data/pyhf/docs/examples/json/2-bin_1-channel.json"),
            &fixture("data/pyhf/tests/test_patchset/example_patchset.json"),
            "--name",
            "patch_channel1_signal_syst1",
        ])
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("digest verification failed"),
            "{err:#}"
        );
    }
}
