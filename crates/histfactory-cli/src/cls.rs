//! `histfactory cls`: a hypothesis test at one POI value (pyhf `cls` / `infer.hypotest`).

use crate::infer_args::classify;
use crate::model_args::{data_for, input, ModelArgs};
use anyhow::{anyhow, bail};
use histfactory::infer::{hypotest, BaseDist, CalcType, HypotestOptions, TestStat, ToyOptions};
use histfactory::limits;
use serde_json::json;
use std::path::PathBuf;

/// Hypothesis test: observed CLs, CLs+b, CLb and the expected CLs band at one POI value.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  histfactory cls workspace.json --poi-value 1 --json\n  histfactory cls BkgOnly.json -p patch.json --poi-value 1 --calc toys --ntoys 2000 --seed 1"
)]
pub struct ClsArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The tested POI value
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub poi_value: f64,
    /// Test statistic: qtilde, q or q0
    #[arg(long, default_value = "qtilde")]
    pub test_stat: String,
    /// Calculator: asymptotics or toys
    #[arg(long, default_value = "asymptotics")]
    pub calc: String,
    /// Number of toys per hypothesis (with --calc toys; at most 100000000)
    #[arg(long, default_value_t = 2000, value_parser = crate::infer_args::count_parser(1, limits::MAX_TOYS))]
    pub ntoys: usize,
    /// Seed of the toys (same seed, same numbers, whatever the thread count)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Asymptotic base distribution: normal or clipped_normal
    #[arg(long, default_value = "normal")]
    pub base_dist: String,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ClsArgs) -> anyhow::Result<()> {
    let model = args.model.model_only()?;
    let data = data_for(&model, args.data.as_deref())?;
    let test_stat: TestStat = args.test_stat.parse().map_err(input)?;
    let base_dist: BaseDist = args.base_dist.parse().map_err(input)?;
    let calculator = match args.calc.as_str() {
        "asymptotics" => CalcType::Asymptotics,
        "toys" | "toybased" => CalcType::Toys(ToyOptions {
            ntoys: args.ntoys,
            seed: args.seed,
            ..Default::default()
        }),
        other => bail!(input(anyhow!(
            "--calc {other}: expected asymptotics or toys"
        ))),
    };
    let opts = HypotestOptions {
        test_stat,
        base_dist,
        calculator,
        progress: crate::progress::observer(!args.json),
        ..Default::default()
    };
    let r = hypotest(&model, &data, args.poi_value, &opts).map_err(classify)?;
    if args.json {
        let mut out = json!({
            "poi_value": r.poi_value,
            "test_stat": r.test_stat.name(),
            "calc": args.calc,
            "cls_obs": r.cls_obs,
            "cls_exp": r.cls_exp,
            "clsb": r.clsb,
            "clb": r.clb,
            "q_obs": r.q_obs,
            "converged": r.converged,
            "warnings": r.warnings,
        });
        if r.q_asimov.is_finite() {
            out["q_asimov"] = json!(r.q_asimov);
        }
        if let Some(t) = &r.toys {
            out["ntoys"] = json!(t.ntoys);
            out["seed"] = json!(t.seed);
        }
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        outln!(
            "{} = {} ({}, {})",
            model.poi_name().unwrap_or("poi"),
            r.poi_value,
            r.test_stat,
            args.calc
        )?;
        let label = if r.test_stat == TestStat::Q0 {
            "p0"
        } else {
            "CLs"
        };
        outln!("observed {label}: {:.8}", r.cls_obs)?;
        outln!("CLs+b: {:.8}   CLb: {:.8}", r.clsb, r.clb)?;
        outln!(
            "expected {label} [-2σ, -1σ, median, +1σ, +2σ]: {}",
            r.cls_exp
                .iter()
                .map(|v| format!("{v:.8}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !r.converged {
        bail!("fits did not converge: {}", r.warnings.join("; "));
    }
    Ok(())
}
