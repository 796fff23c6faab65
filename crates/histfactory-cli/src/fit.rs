//! `histfactory fit`: the maximum-likelihood fit (pyhf's `mle.fit` / `fixed_poi_fit`).

use crate::model_args::{data_for, input, read_vectors, ModelArgs};
use anyhow::{anyhow, bail};
use histfactory::fit::{fit, fixed_poi_fit, FitOptions};
use serde_json::json;
use std::path::PathBuf;

/// Fit the model to data: best fit, uncertainties and correlations from the exact Hessian.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  histfactory fit workspace.json\n  histfactory fit BkgOnly.json -p patch.json --fix-poi 1.0 --json\n  histfactory fit workspace.json --fix lumi=1.0 --fix 'staterror_SR[0]=1.0'"
)]
pub struct FitArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Fix the POI at this value (pyhf's fixed_poi_fit)
    #[arg(long, allow_negative_numbers = true)]
    pub fix_poi: Option<f64>,
    /// Fix a parameter (name as in par_names) at a value; may repeat
    #[arg(long = "fix", value_name = "NAME=VALUE")]
    pub fix: Vec<String>,
    /// JSON file with initial values (one vector, pyhf order)
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Skip the restarts that look for a lower minimum in histosys models
    #[arg(long)]
    pub no_restarts: bool,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: FitArgs) -> anyhow::Result<()> {
    let model = args.model.model_only()?;
    let data = data_for(&model, args.data.as_deref())?;
    let mut init = model.suggested_init();
    if let Some(path) = &args.init {
        let mut v = read_vectors(path)?;
        if v.len() != 1 || v[0].len() != model.n_pars() {
            bail!(input(anyhow!(
                "{}: expected one vector of {} initial values",
                path.display(),
                model.n_pars()
            )));
        }
        init = v.remove(0);
    }
    let mut fixed = model.suggested_fixed();
    let bounds = model.suggested_bounds();
    for spec in &args.fix {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| input(anyhow!("--fix {spec}: expected NAME=VALUE")))?;
        let i = model.par_index(name).ok_or_else(|| {
            input(anyhow!(
                "--fix {spec}: no parameter named \"{name}\" (see `histfactory inspect`)"
            ))
        })?;
        let value: f64 = value
            .parse()
            .map_err(|_| input(anyhow!("--fix {spec}: \"{value}\" is not a number")))?;
        // `f64::from_str` takes "NaN" and "inf", which no fit can start from.
        if !value.is_finite() {
            bail!(input(anyhow!(
                "--fix {spec}: parameter \"{name}\" needs a finite value, found {value}"
            )));
        }
        // Checked as --init values are (the library lets a caller fix a parameter anywhere,
        // as pyhf does, but a value typed outside the bounds is almost always a mistake).
        let [lo, hi] = bounds[i];
        if !(lo..=hi).contains(&value) {
            bail!(input(anyhow!(
                "--fix {spec}: {value} lies outside the bounds [{lo}, {hi}] of \"{name}\""
            )));
        }
        init[i] = value;
        fixed[i] = true;
    }
    let opts = FitOptions {
        init: Some(init),
        fixed: Some(fixed),
        restarts: !args.no_restarts,
        ..Default::default()
    };
    let result = match args.fix_poi {
        Some(mu) => fixed_poi_fit(&model, &data, mu, &opts),
        None => fit(&model, &data, &opts),
    }
    .map_err(input)?;
    for w in &result.warnings {
        warning!("{w}");
    }
    if args.json {
        let n = model.n_pars();
        let corr: Vec<&[f64]> = result.correlations.chunks(n.max(1)).collect();
        let out = json!({
            "par_names": result.par_names,
            "bestfit": result.bestfit,
            "uncertainties": result.uncertainties,
            "correlations": corr,
            "twice_nll": result.twice_nll,
            "converged": result.converged,
            "status": result.status,
            "edm": result.edm,
            "grad_norm": result.grad_norm,
            "iterations": result.iterations,
            "evaluations": result.evaluations,
            "hessian_pos_def": result.hessian_pos_def,
            "restarts": result.restarts,
            "warnings": result.warnings,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        out!("{result}")?;
    }
    if !result.converged {
        bail!("the fit did not converge: {}", result.status);
    }
    Ok(())
}
