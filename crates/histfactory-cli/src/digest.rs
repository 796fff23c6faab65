//! `histfactory digest`: the hash of a workspace's canonical JSON, as `pyhf digest`, which
//! patchsets record to name the background-only workspace they patch.

use crate::json_io::{read_json, write_json};
use anyhow::Result;
use clap::Args;
use histfactory::spec::digest::{digest, DigestAlgorithm};
use histfactory::spec::Workspace;
use serde_json::{Map, Value};

/// Arguments of `digest`.
#[derive(Args, Debug, Clone, PartialEq)]
#[command(after_help = "Example:\n  histfactory digest 2-bin_1-channel.json\n  \
                        sha256:dad8822af55205d60152cbe4303929042dbd9d4839012e055e7c6b6459d68d73")]
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

/// `digest`: prints `algorithm:hex` lines, or a JSON object with `--json`.
pub fn run(args: DigestArgs) -> Result<()> {
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
        outln!("{}", lines.join("\n"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::try_parse;

    #[test]
    fn json_and_plaintext_exclude_each_other() {
        assert!(try_parse(&["digest", "ws.json", "-j", "-p"]).is_err());
    }
}
