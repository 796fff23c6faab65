//! `histfactory logpdf`: logpdf (and its gradient) at given parameter vectors.

use crate::model_args::{data_for, input, read_vectors, ModelArgs};
use serde_json::json;
use std::path::PathBuf;

/// Evaluate logpdf at parameter vectors (pyhf order), optionally with its gradient.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  echo '[1.0, 1.0]' > pars.json\n  histfactory logpdf seed_model.json --pars pars.json --grad --json"
)]
pub struct LogpdfArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// JSON file with one parameter vector or an array of them
    #[arg(long)]
    pub pars: PathBuf,
    /// Also compute the gradient with respect to the parameters
    #[arg(long)]
    pub grad: bool,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: LogpdfArgs) -> anyhow::Result<()> {
    let model = args.model.model_only()?;
    let data = data_for(&model, args.data.as_deref())?;
    let points = read_vectors(&args.pars)?;
    let results = if args.grad {
        model.logpdf_and_grad_batch(&points, &data).map_err(input)?
    } else {
        model
            .logpdf_batch(&points, &data)
            .map_err(input)?
            .into_iter()
            .map(|logpdf| histfactory::likelihood::GridPoint {
                logpdf,
                grad: Vec::new(),
            })
            .collect()
    };
    for (p, r) in points.iter().zip(&results) {
        if !r.logpdf.is_finite() {
            // pyhf would print NaN; say why instead.
            model.check_rates(p)?;
            anyhow::bail!("logpdf is {} at parameters {p:?}", r.logpdf);
        }
    }
    if args.json {
        let mut out = json!({"logpdf": results.iter().map(|r| r.logpdf).collect::<Vec<_>>()});
        if args.grad {
            out["grad"] = json!(results.iter().map(|r| &r.grad).collect::<Vec<_>>());
        }
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        for r in &results {
            out!("logpdf = {:.12}", r.logpdf)?;
            if args.grad {
                out!("\n  grad:")?;
                for (name, g) in model.par_names().iter().zip(&r.grad) {
                    out!("\n    {name:<36} {g:>+.10e}")?;
                }
            }
            outln!()?;
        }
    }
    Ok(())
}
