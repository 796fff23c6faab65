//! `histfactory inspect`: what a workspace's model contains.

use crate::model_args::ModelArgs;
use histfactory::model::Constraint;
use serde_json::json;

/// Summarise a workspace: channels, samples, modifiers and parameters.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  histfactory inspect workspace.json\n  histfactory inspect BkgOnly.json.gz -p patch.json --json"
)]
pub struct InspectArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object instead of tables
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let (ws, model) = args.model.model()?;
    let data = model.observed_data().ok();
    if args.json {
        let nbins: serde_json::Map<String, serde_json::Value> = model
            .channels()
            .iter()
            .map(|c| (c.name.clone(), json!(c.nbins)))
            .collect();
        let out = json!({
            "channels": model.channels().iter().map(|c| &c.name).collect::<Vec<_>>(),
            "channel_nbins": nbins,
            "samples": model.samples(),
            "par_order": model.par_order(),
            "par_names": model.par_names(),
            "suggested_init": model.suggested_init(),
            "suggested_bounds": model.suggested_bounds(),
            "suggested_fixed": model.suggested_fixed(),
            "poi_name": model.poi_name(),
            "poi_index": model.poi_index(),
            "auxdata": model.auxdata(),
            "data": data,
            "compiled_bytes": model.compiled_bytes(),
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    let n_mods: usize = ws
        .channels
        .iter()
        .flat_map(|c| &c.samples)
        .map(|s| s.modifiers.len())
        .sum();
    outln!("           channels  {}", model.channels().len())?;
    outln!("            samples  {}", model.samples().len())?;
    outln!("     parameter sets  {}", model.parameter_sets().len())?;
    outln!("         parameters  {}", model.n_pars())?;
    outln!("          modifiers  {n_mods}")?;
    outln!(
        "                POI  {}",
        model.poi_name().unwrap_or("(none)")
    )?;
    // What an evaluation reads (nominal yields, modifier tables, constraints, auxdata):
    // the size that memory use is measured against.
    outln!(
        "    compiled arrays  {:.2} MB",
        model.compiled_bytes() as f64 / 1e6
    )?;
    outln!()?;
    outln!("{:<40} {:>6}", "channel", "nbins")?;
    outln!("{:-<40} {:->6}", "", "")?;
    for c in model.channels() {
        outln!("{:<40} {:>6}", c.name, c.nbins)?;
    }
    outln!()?;
    outln!("samples: {}", model.samples().join(", "))?;
    outln!()?;
    // Modifiers by type: how many (channel, sample) places each type appears in.
    let mut by_type: std::collections::BTreeMap<&str, usize> = Default::default();
    for m in ws
        .channels
        .iter()
        .flat_map(|c| &c.samples)
        .flat_map(|s| &s.modifiers)
    {
        *by_type.entry(m.data.kind().as_str()).or_default() += 1;
    }
    outln!("{:<14} {:>8}", "modifier type", "count")?;
    outln!("{:-<14} {:->8}", "", "")?;
    for (k, n) in by_type {
        outln!("{k:<14} {n:>8}")?;
    }
    outln!()?;
    outln!(
        "{:<36} {:<12} {:>4} {:>10} {:>22} {:<10} {:>6}",
        "parameter set",
        "type",
        "n",
        "init",
        "bounds",
        "constraint",
        "fixed"
    )?;
    outln!(
        "{:-<36} {:-<12} {:->4} {:->10} {:->22} {:-<10} {:->6}",
        "",
        "",
        "",
        "",
        "",
        "",
        ""
    )?;
    for p in model.parameter_sets() {
        let constraint = match p.constraint {
            Constraint::None => "none",
            Constraint::Normal { .. } => "normal",
            Constraint::Poisson { .. } => "poisson",
        };
        let fixed = p.fixed.iter().filter(|f| **f).count();
        outln!(
            "{:<36} {:<12} {:>4} {:>10.4} {:>22} {:<10} {:>6}",
            p.name,
            p.kind.as_str(),
            p.n_pars,
            p.inits[0],
            format!("[{}, {}]", p.bounds[0][0], p.bounds[0][1]),
            constraint,
            if fixed == 0 {
                String::new()
            } else {
                format!("{fixed}/{}", p.n_pars)
            }
        )?;
    }
    outln!()?;
    outln!(
        "measurements: {}",
        ws.measurements
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}
