//! `histfactory upper-limit`: observed and expected CLs upper limits on the POI.

use crate::infer_args::{classify, parse_range};
use crate::model_args::{data_for, ModelArgs};
use anyhow::bail;
use histfactory::infer::{upper_limit, upper_limit_grid, HypotestOptions, UpperLimitOptions};
use serde_json::json;
use std::path::PathBuf;

/// Upper limits at CL 1 − level: TOMS 748 root search (default) or a grid scan with linear
/// interpolation (`--scan`), as pyhf's `upper_limit`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  histfactory upper-limit workspace.json --json\n  histfactory upper-limit workspace.json --scan 0:5:21 --json"
)]
pub struct UpperLimitArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// CLs level (0.05: 95% CL)
    #[arg(long, default_value_t = 0.05)]
    pub level: f64,
    /// Grid scan LO:HI:N instead of the root search
    #[arg(long, value_name = "LO:HI:N", allow_hyphen_values = true)]
    pub scan: Option<String>,
    /// Relative tolerance of the root search
    #[arg(long, default_value_t = 1e-4)]
    pub rtol: f64,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: UpperLimitArgs) -> anyhow::Result<()> {
    let model = args.model.model_only()?;
    let data = data_for(&model, args.data.as_deref())?;
    let opts = UpperLimitOptions {
        level: args.level,
        rtol: args.rtol,
        hypotest: HypotestOptions {
            progress: crate::progress::observer(!args.json),
            ..Default::default()
        },
        ..Default::default()
    };
    let grid = args
        .scan
        .as_deref()
        .map(|s| parse_range("--scan", s))
        .transpose()?;
    let r = match &grid {
        Some(points) => upper_limit_grid(&model, &data, points, &opts),
        None => upper_limit(&model, &data, &opts),
    }
    .map_err(classify)?;
    if args.json {
        let mut out = json!({
            "level": r.level,
            "obs": r.obs,
            "exp": r.exp,
            "method": if grid.is_some() { "grid" } else { "toms748" },
            "converged": r.converged,
            "warnings": r.warnings,
        });
        let points: Vec<f64> = r.tests.iter().map(|t| t.poi_value).collect();
        let cls_obs: Vec<f64> = r.tests.iter().map(|t| t.cls_obs).collect();
        let cls_exp: Vec<[f64; 5]> = r.tests.iter().map(|t| t.cls_exp).collect();
        // With --scan these are the scanned points; otherwise the root search's.
        out["scan"] = json!(points);
        out["cls_obs"] = json!(cls_obs);
        out["cls_exp"] = json!(cls_exp);
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        outln!(
            "{:.0}% CL upper limit on {}",
            100.0 * (1.0 - r.level),
            model.poi_name().unwrap_or("poi")
        )?;
        outln!("observed: {:.6}", r.obs)?;
        let names = ["-2σ", "-1σ", "median", "+1σ", "+2σ"];
        for (n, v) in names.iter().zip(r.exp) {
            outln!("expected {n:>6}: {v:.6}")?;
        }
    }
    if !r.converged {
        bail!(
            "the limit search did not converge: {}",
            r.warnings.join("; ")
        );
    }
    Ok(())
}
