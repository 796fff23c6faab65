//! `histfactory scan`: a profile likelihood scan of one parameter.

use crate::infer_args::{classify, parse_range};
use crate::model_args::{data_for, ModelArgs};
use anyhow::bail;
use histfactory::fit::FitOptions;
use histfactory::infer::profile_scan;
use serde_json::json;
use std::path::PathBuf;

/// Profile likelihood scan: twice_nll with the parameter fixed at each value and every other
/// parameter fitted, and the 68.3% / 95% intervals read from it.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  histfactory scan workspace.json --par mu --range 0:3:31 --json"
)]
pub struct ScanArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The parameter to scan (name as in par_names)
    #[arg(long)]
    pub par: String,
    /// The values, LO:HI:N
    #[arg(long, value_name = "LO:HI:N", allow_hyphen_values = true)]
    pub range: String,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ScanArgs) -> anyhow::Result<()> {
    let model = args.model.model_only()?;
    let data = data_for(&model, args.data.as_deref())?;
    let values = parse_range("--range", &args.range)?;
    let s = profile_scan(
        &model,
        &data,
        &args.par,
        &values,
        &FitOptions::default(),
        &*crate::progress::observer(!args.json),
    )
    .map_err(classify)?;
    let i68 = s.interval(1.0).map_err(classify)?;
    let i95 = s.interval_cl(0.95).map_err(classify)?;
    let num = |v: f64| if v.is_finite() { json!(v) } else { json!(null) };
    let all_converged = s.converged.iter().all(|&c| c) && s.free.converged;
    if args.json {
        let out = json!({
            "par": s.par,
            "values": s.values,
            "twice_nll": s.twice_nll,
            "delta_twice_nll": s.delta_twice_nll,
            "bestfit": s.free.bestfit[s.par_index],
            "twice_nll_min": s.free.twice_nll,
            "interval_68": [num(i68.lower), num(i68.upper)],
            "interval_95": [num(i95.lower), num(i95.upper)],
            "converged": s.converged,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        outln!("profile scan of {} (best fit {:.6})", s.par, i68.best)?;
        outln!("{:>14} {:>18} {:>14}", "value", "twice_nll", "Δtwice_nll")?;
        for i in 0..s.values.len() {
            outln!(
                "{:>14.6} {:>18.8} {:>14.6}",
                s.values[i],
                s.twice_nll[i],
                s.delta_twice_nll[i]
            )?;
        }
        let show = |v: f64| {
            if v.is_finite() {
                format!("{v:.6}")
            } else {
                "beyond the scan".into()
            }
        };
        outln!(
            "68.3% CL (Δ = 1): [{}, {}]",
            show(i68.lower),
            show(i68.upper)
        )?;
        outln!(
            "95% CL (Δ = 3.84): [{}, {}]",
            show(i95.lower),
            show(i95.upper)
        )?;
    }
    if !all_converged {
        bail!("some fits of the scan did not converge");
    }
    Ok(())
}
