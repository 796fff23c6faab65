//! pyhf-compatible workspace tools: `prune`, `rename`, `combine`, `sort`, `digest` and
//! `patchset inspect|extract|apply|verify`.
//!
//! Inputs are `.json` or `.json.gz` files, or `-` for stdin. Workspaces are written as pyhf
//! writes them (`json.dumps(..., indent=4, sort_keys=True)`, Python's number formatting), to
//! stdout or to `--output-file`, so outputs can be diffed against pyhf's byte for byte.
//!
//! Wiring into the binary is one variant: `Tools(tools::ToolCommand)` flattened into the
//! top-level subcommands and `tools::run(cmd)` to dispatch.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use histfactory::spec::digest::{digest, DigestAlgorithm};
use histfactory::spec::ops::{self, CombineOptions, JoinMode, PruneOptions, RenameOptions};
use histfactory::spec::patchset::{PatchKey, PatchSet};
use histfactory::spec::{pyjson, value_from_bytes, ModifierKind, Workspace};
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The workspace tools, as subcommands.
#[derive(Subcommand, Debug, Clone, PartialEq)]
pub enum ToolCommand {
    /// Remove channels, samples, modifiers or measurements from a workspace.
    #[command(
        after_help = "Example:\n  histfactory prune ws.json -c CR_ttbar -m syst1 -t staterror \
                            --output-file pruned.json"
    )]
    Prune(PruneArgs),
    /// Rename channels, samples, modifiers or measurements of a workspace.
    #[command(
        after_help = "Example:\n  histfactory rename ws.json -m mu_SIG mu -c SR_meff SR \
                            --output-file renamed.json"
    )]
    Rename(RenameArgs),
    /// Combine two workspaces into one.
    #[command(
        after_help = "Example:\n  histfactory combine regionA.json regionB.json \
                            --join outer --output-file combined.json"
    )]
    Combine(CombineArgs),
    /// Sort a workspace's channels, samples, modifiers, measurements and observations.
    #[command(after_help = "Example:\n  histfactory sort ws.json --output-file sorted.json")]
    Sort(SortArgs),
    /// Print the digest of a workspace (as `pyhf digest`).
    #[command(after_help = "Example:\n  histfactory digest 2-bin_1-channel.json\n  \
                            sha256:dad8822af55205d60152cbe4303929042dbd9d4839012e055e7c6b6459d68d73")]
    Digest(DigestArgs),
    /// Inspect, extract, verify or apply the patches of a pyhf patchset.
    #[command(
        subcommand,
        after_help = "Example:\n  histfactory patchset apply BkgOnly.json patchset.json.gz --name C1N2_Wh_hbb_700_400"
    )]
    Patchset(PatchsetCommand),
}

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

/// Arguments of `prune`.
#[derive(Args, Debug, Clone, PartialEq)]
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

/// Arguments of `rename`.
#[derive(Args, Debug, Clone, PartialEq)]
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

/// Arguments of `combine`.
#[derive(Args, Debug, Clone, PartialEq)]
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

/// Arguments of `sort`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct SortArgs {
    /// Workspace file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub workspace: String,
    /// Write the result here instead of stdout.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Arguments of `digest`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct DigestArgs {
    /// Workspace file (`.json` or `.json.gz`), `-` for stdin.
    #[arg(default_value = "-")]
    pub workspace: String,
    /// Hash algorithm (md5, sha1, sha224, sha256, sha384, sha512). Repeatable.
    #[arg(short = 'a', long = "algorithm", default_value = "sha256")]
    pub algorithms: Vec<String>,
    /// Print `{"sha256": "<hex>", ...}`.
    #[arg(short = 'j', long, conflicts_with = "plaintext")]
    pub json: bool,
    /// Print `sha256:<hex>` lines (the default).
    #[arg(short = 'p', long)]
    pub plaintext: bool,
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

/// Runs one tool command.
pub fn run(cmd: ToolCommand) -> Result<()> {
    match cmd {
        ToolCommand::Prune(a) => run_prune(a),
        ToolCommand::Rename(a) => run_rename(a),
        ToolCommand::Combine(a) => run_combine(a),
        ToolCommand::Sort(a) => run_sort(a),
        ToolCommand::Digest(a) => run_digest(a),
        ToolCommand::Patchset(PatchsetCommand::Inspect(a)) => run_patchset_inspect(a),
        ToolCommand::Patchset(PatchsetCommand::Extract(a)) => run_patchset_extract(a),
        ToolCommand::Patchset(PatchsetCommand::Verify(a)) => run_patchset_verify(a),
        ToolCommand::Patchset(PatchsetCommand::Apply(a)) => run_patchset_apply(a),
    }
}

/// Reads JSON from a file (`.json` or `.json.gz`) or from stdin for `-`.
pub fn read_json(input: &str) -> Result<Value> {
    if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
        Ok(value_from_bytes(&bytes).context("stdin")?)
    } else {
        Ok(Workspace::read_value(Path::new(input))?)
    }
}

/// Writes `value` as pyhf does (indent 4, sorted keys, ASCII escapes, Python number
/// formatting); to stdout with a final newline (as `click.echo`), or to `output_file` without one (as `json.dump`).
pub fn write_json(value: &Value, output_file: Option<&Path>) -> Result<()> {
    let text = pyjson::to_string_pretty_ascii(value, 4);
    match output_file {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn pairs(flat: &[String]) -> Vec<(String, String)> {
    // clap guarantees two values per occurrence, so the list has even length.
    flat.chunks_exact(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect()
}

/// `prune`: removes the named items and writes the pruned workspace.
pub fn run_prune(args: PruneArgs) -> Result<()> {
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

/// `rename`: renames the given items and writes the renamed workspace.
pub fn run_rename(args: RenameArgs) -> Result<()> {
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

/// `combine`: joins two workspaces and writes the result.
pub fn run_combine(args: CombineArgs) -> Result<()> {
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

/// `sort`: writes the sorted workspace.
pub fn run_sort(args: SortArgs) -> Result<()> {
    let ws = read_json(&args.workspace)?;
    let out = ops::sort(&ws)?;
    write_json(&out, args.output_file.as_deref())
}

/// `digest`: prints `algorithm:hex` lines, or a JSON object with `--json`.
pub fn run_digest(args: DigestArgs) -> Result<()> {
    let ws = read_json(&args.workspace)?;
    // pyhf validates the workspace before hashing it.
    Workspace::from_value(&ws)?;
    let mut digests = Vec::new();
    for name in &args.algorithms {
        let alg: DigestAlgorithm = name.parse()?;
        digests.push((alg.as_str().to_string(), digest(&ws, alg)));
    }
    if args.json {
        let obj: Map<String, Value> = digests
            .into_iter()
            .map(|(a, d)| (a, Value::String(d)))
            .collect();
        write_json(&Value::Object(obj), None)
    } else {
        let lines: Vec<String> = digests.iter().map(|(a, d)| format!("{a}:{d}")).collect();
        println!("{}", lines.join("\n"));
        Ok(())
    }
}

fn load_patchset(input: &str) -> Result<PatchSet> {
    let v = read_json(input)?;
    PatchSet::from_value(&v).with_context(|| format!("patchset {input}"))
}

/// `patchset inspect`: prints the metadata and the patches' names and values.
pub fn run_patchset_inspect(args: PatchsetInspectArgs) -> Result<()> {
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
    println!("description: {}", ps.description);
    for (k, v) in &ps.references {
        println!("reference:   {k}: {}", v.as_str().unwrap_or_default());
    }
    for (a, d) in &ps.digests {
        println!("digest:      {a}:{d}");
    }
    println!("labels:      {}", ps.labels.join(", "));
    println!();
    println!(
        "{} patch{} found in the patchset",
        ps.patches.len(),
        if ps.patches.len() == 1 { "" } else { "es" }
    );
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
    println!("{}", line("name", &ps.labels));
    for (name, cells) in &rows {
        println!("{}", line(name, cells));
    }
    Ok(())
}

/// `patchset extract`: writes one patch (optionally with the merged metadata).
pub fn run_patchset_extract(args: PatchsetExtractArgs) -> Result<()> {
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
pub fn run_patchset_verify(args: PatchsetVerifyArgs) -> Result<()> {
    if args.background_only == "-" && args.patchset == "-" {
        bail!("only one input can be read from stdin");
    }
    let ws = read_json(&args.background_only)?;
    let ps = load_patchset(&args.patchset)?;
    ps.verify(&ws)?;
    println!("All good.");
    Ok(())
}

/// `patchset apply`: verifies, applies the named patch and writes the workspace.
pub fn run_patchset_apply(args: PatchsetApplyArgs) -> Result<()> {
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
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        cmd: ToolCommand,
    }

    fn parse(args: &[&str]) -> ToolCommand {
        Cli::try_parse_from(std::iter::once("histfactory").chain(args.iter().copied()))
            .unwrap()
            .cmd
    }

    fn fixture(rel: &str) -> String {
        format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    fn tmp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("histfactory-tools-{}-{name}", std::process::id()))
    }

    #[test]
    fn parses_pyhf_style_flags() {
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
            ToolCommand::Rename(a) => {
                assert_eq!(
                    pairs(&a.modifiers),
                    [("a".into(), "b".into()), ("c".into(), "d".into())]
                );
                assert_eq!(pairs(&a.measurements), [("x".into(), "y".into())]);
            }
            other => panic!("{other:?}"),
        }
        match parse(&[
            "combine",
            "a.json",
            "b.json",
            "-j",
            "left outer",
            "--merge-channels",
        ]) {
            ToolCommand::Combine(a) => {
                assert_eq!(a.join, "left outer");
                assert!(a.merge_channels);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["h", "prune", "ws.json", "-t", "bogus"]).is_err());
        assert!(Cli::try_parse_from(["h", "digest", "ws.json", "-j", "-p"]).is_err());
    }

    #[test]
    fn prune_writes_a_valid_workspace_in_pyhf_layout() {
        let out = tmp("pruned.json");
        run(parse(&[
            "prune",
            &fixture("data/pyhf/tests/test_patchset/example_bkgonly.json"),
            "-t",
            "staterror",
            "--output-file",
            out.to_str().unwrap(),
        ]))
        .unwrap();
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

    #[test]
    fn patchset_apply_and_errors() {
        let out = tmp("patched.json");
        run(parse(&[
            "patchset",
            "apply",
            &fixture("data/pyhf/tests/test_patchset/example_bkgonly.json"),
            &fixture("data/pyhf/tests/test_patchset/example_patchset.json"),
            "--name",
            "patch_channel1_signal_syst1",
            "--output-file",
            out.to_str().unwrap(),
        ]))
        .unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        std::fs::remove_file(&out).ok();
        assert_eq!(
            v["channels"][0]["samples"][0]["modifiers"][0]["data"]["hi"],
            1.2
        );

        let err = run(parse(&[
            "patchset",
            "apply",
            &fixture("data/pyhf/docs/examples/json/2-bin_1-channel.json"),
            &fixture("data/pyhf/tests/test_patchset/example_patchset.json"),
            "--name",
            "patch_channel1_signal_syst1",
        ]))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("digest verification failed"),
            "{err:#}"
        );
    }
}
