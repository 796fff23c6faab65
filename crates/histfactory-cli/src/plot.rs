//! `histfactory plot …`: the standard figures, computed from a workspace and written as PNG
//! or SVG (chosen by the extension of `-o`). Every subcommand builds the model, fits it
//! once, computes its report with `histfactory::report` and hands it to the renderer in
//! `histfactory_plot`. `plot brazil` runs hypothesis tests instead of the free fit.

use crate::infer_args::{classify, parse_range as parse_scan};
use crate::model_args::{data_for, input, ModelArgs};
use anyhow::{anyhow, bail, Context};
use histfactory::fit::{fit, FitOptions, FitResult};
use histfactory::model::Model;
use histfactory::report::{self, ReportError};
use histfactory::spec::ModifierKind;
use histfactory_plot::{OutputFormat, RenderInfo};
use serde_json::json;
use std::path::PathBuf;

/// Options every plot shares: the model, the data and the output file.
#[derive(clap::Args, Debug)]
pub struct PlotCommon {
    #[command(flatten)]
    pub model: ModelArgs,
    /// JSON file with the data vector (main counts then auxdata); default: the workspace's
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output file, .png or .svg
    #[arg(short = 'o', long = "output", value_name = "OUT.png|OUT.svg")]
    pub output: PathBuf,
    /// Also print one JSON object with the numbers drawn (`output`, `width`, `height`,
    /// `figure`)
    #[arg(long)]
    pub json: bool,
}

/// Which figure to draw.
#[derive(clap::Subcommand, Debug)]
pub enum PlotCommand {
    /// logpdf over a grid of two parameters (others at the best fit) with gradient arrows
    #[command(
        after_help = "Example:\n  histfactory plot gradient-map seed.json --x mu --y 'uncorr_bkguncrt[0]' --x-range 0:5 --y-range 0:5 -o map.png"
    )]
    GradientMap(GradientMapArgs),
    /// Observed and expected CLs against the POI with the upper limits marked
    #[command(
        after_help = "Examples:\n  histfactory plot brazil workspace.json -o brazil.png\n  histfactory plot brazil workspace.json --scan 0:5:21 --json -o brazil.svg"
    )]
    Brazil(BrazilArgs),
    /// Profile likelihood scan: Δ twice_nll against a parameter, with 1σ/2σ lines
    #[command(
        after_help = "Example:\n  histfactory plot scan workspace.json --range 0:3:31 -o scan.png"
    )]
    Scan(ScanArgs),
    /// Pulls and constraints of the nuisance parameters after the fit
    #[command(
        after_help = "Example:\n  histfactory plot pulls workspace.json --exclude-type staterror -o pulls.png"
    )]
    Pulls(PullsArgs),
    /// The fit's correlation matrix
    #[command(
        after_help = "Example:\n  histfactory plot correlations workspace.json --threshold 0.1 -o corr.svg"
    )]
    Correlations(CorrelationsArgs),
    /// Impacts of the top nuisance parameters on the POI (pre- and post-fit)
    #[command(
        after_help = "Example:\n  histfactory plot ranking workspace.json --top 15 -o ranking.png"
    )]
    Ranking(RankingArgs),
    /// Pre-fit and post-fit stacked yields per channel with data and uncertainty bands
    #[command(
        after_help = "Example:\n  histfactory plot yields workspace.json --stage postfit -o yields.png"
    )]
    Yields(YieldsArgs),
}

/// `plot gradient-map`.
#[derive(clap::Args, Debug)]
pub struct GradientMapArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Parameter on the x axis (name as in par_names)
    #[arg(long)]
    pub x: String,
    /// Parameter on the y axis
    #[arg(long)]
    pub y: String,
    /// x range LO:HI (default: best fit ± 3σ within the bounds)
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub x_range: Option<String>,
    /// y range LO:HI (default: best fit ± 3σ within the bounds)
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub y_range: Option<String>,
    /// Grid points per axis (2 to 4096)
    #[arg(long, default_value_t = 101, value_parser = crate::infer_args::count_parser(2, histfactory::limits::MAX_GRID))]
    pub grid: usize,
    /// Arrows per axis (2 to 1024)
    #[arg(long, default_value_t = 11, value_parser = crate::infer_args::count_parser(2, histfactory::limits::MAX_ARROWS))]
    pub arrows: usize,
}

/// `plot brazil`.
#[derive(clap::Args, Debug)]
pub struct BrazilArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// CLs level (0.05: 95% CL)
    #[arg(long, default_value_t = 0.05)]
    pub level: f64,
    /// Test the POI at LO:HI:N and take the limits from this grid (pyhf's `scan=`);
    /// default: limits by root search, band drawn from the POI's lower bound to 1.25× the
    /// largest limit
    #[arg(long, value_name = "LO:HI:N", allow_hyphen_values = true)]
    pub scan: Option<String>,
    /// Points drawn when --scan is not given (2 to 100000)
    #[arg(long, default_value_t = 31, value_parser = crate::infer_args::count_parser(2, histfactory::limits::MAX_SCAN_POINTS))]
    pub points: usize,
}

/// `plot scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Parameter to scan (default: the POI)
    #[arg(long)]
    pub par: Option<String>,
    /// LO:HI:N (default: best fit ± 3σ within the bounds, 21 points)
    #[arg(long, value_name = "LO:HI:N", allow_hyphen_values = true)]
    pub range: Option<String>,
}

/// `plot pulls`.
#[derive(clap::Args, Debug)]
pub struct PullsArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Leave out a parameter (name as in par_names); may repeat
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Leave out every parameter of a modifier type (e.g. staterror); may repeat
    #[arg(long, value_name = "TYPE")]
    pub exclude_type: Vec<String>,
    /// Leave out free nuisance parameters (normfactors, shapefactors)
    #[arg(long)]
    pub constrained_only: bool,
}

/// `plot correlations`.
#[derive(clap::Args, Debug)]
pub struct CorrelationsArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Show only parameters with some |correlation| ≥ this with another
    #[arg(long, default_value_t = 0.0)]
    pub threshold: f64,
    /// Show at most this many parameters, the most correlated (the POI always)
    #[arg(long)]
    pub top: Option<usize>,
}

/// `plot ranking`.
#[derive(clap::Args, Debug)]
pub struct RankingArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Number of parameters to show (0: all)
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

/// Which stage of the yields to draw.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Pre-fit only
    Prefit,
    /// Post-fit only
    Postfit,
    /// Pre-fit and post-fit panels side by side
    Both,
}

/// `plot yields`.
#[derive(clap::Args, Debug)]
pub struct YieldsArgs {
    #[command(flatten)]
    pub common: PlotCommon,
    /// Which yields to draw
    #[arg(long, value_enum, default_value_t = Stage::Both)]
    pub stage: Stage,
    /// Draw only this channel; may repeat
    #[arg(long)]
    pub channel: Vec<String>,
}

/// Runs a plot subcommand.
pub fn run(cmd: PlotCommand) -> anyhow::Result<()> {
    match cmd {
        PlotCommand::GradientMap(a) => gradient_map(a),
        PlotCommand::Brazil(a) => brazil(a),
        PlotCommand::Scan(a) => scan(a),
        PlotCommand::Pulls(a) => pulls(a),
        PlotCommand::Correlations(a) => correlations(a),
        PlotCommand::Ranking(a) => ranking(a),
        PlotCommand::Yields(a) => yields(a),
    }
}

/// The model, data and converged free fit.
fn setup(c: &PlotCommon) -> anyhow::Result<(Model, Vec<f64>, FitResult)> {
    let (model, data) = model_and_data(c)?;
    let result = fit(&model, &data, &FitOptions::default()).map_err(input)?;
    if !result.converged {
        bail!("the fit did not converge: {}", result.status);
    }
    Ok((model, data, result))
}

/// The model and data, after checking the output extension so a typo fails before any
/// work.
fn model_and_data(c: &PlotCommon) -> anyhow::Result<(Model, Vec<f64>)> {
    OutputFormat::from_path(&c.output)
        .map_err(|e| input(anyhow!("-o {}: {e}", c.output.display())))?;
    if let Some(dir) = c.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            bail!(input(anyhow!(
                "-o {}: the directory {} does not exist",
                c.output.display(),
                dir.display()
            )));
        }
    }
    let model = c.model.model_only()?;
    let data = data_for(&model, c.data.as_deref())?;
    Ok((model, data))
}

/// Input mistakes (names, options, data) exit with 2, failed computations with 1. An
/// inference error keeps its own classification, under the report's context.
fn report_err(e: ReportError) -> anyhow::Error {
    match e {
        ReportError::Fit {
            source: histfactory::fit::FitError::TooLarge(_),
            ..
        } => input(e),
        ReportError::Fit { .. } => anyhow::Error::new(e),
        ReportError::Infer { context, source } => classify(source).context(context),
        _ => input(e),
    }
}

/// Reports where the figure went: a line on stderr, and with `--json` one JSON object on
/// stdout holding the figure's numbers.
fn done(c: &PlotCommon, info: &RenderInfo, figure: serde_json::Value) -> anyhow::Result<()> {
    crate::output::write_stderr(format_args!(
        "wrote {} ({}×{} px)\n",
        c.output.display(),
        info.size.0,
        info.size.1
    ));
    if c.json {
        let out = json!({
            "output": c.output,
            "width": info.size.0,
            "height": info.size.1,
            "figure": figure,
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

fn parse_f64(what: &str, s: &str) -> anyhow::Result<f64> {
    s.trim()
        .parse()
        .map_err(|_| input(anyhow!("{what}: \"{s}\" is not a number")))
}

/// `LO:HI`.
fn parse_range(what: &str, s: &str) -> anyhow::Result<(f64, f64)> {
    let (lo, hi) = s
        .split_once(':')
        .ok_or_else(|| input(anyhow!("{what} {s}: expected LO:HI")))?;
    Ok((parse_f64(what, lo)?, parse_f64(what, hi)?))
}

fn gradient_map(a: GradientMapArgs) -> anyhow::Result<()> {
    let (model, data, result) = setup(&a.common)?;
    let opts = report::GradientMapOptions {
        x: a.x,
        y: a.y,
        x_range: a
            .x_range
            .as_deref()
            .map(|s| parse_range("--x-range", s))
            .transpose()?,
        y_range: a
            .y_range
            .as_deref()
            .map(|s| parse_range("--y-range", s))
            .transpose()?,
        grid: a.grid,
        arrows: a.arrows,
    };
    let map = report::gradient_map(&model, &data, &result, &opts).map_err(report_err)?;
    let fig = histfactory_plot::GradientMap::from(&map);
    let info = histfactory_plot::gradient_map(&fig, &a.common.output)?;
    let figure = json!({
        "x": map.x,
        "y": map.y,
        "x_range": [map.xs[0], map.xs[map.xs.len() - 1]],
        "y_range": [map.ys[0], map.ys[map.ys.len() - 1]],
        "grid": [map.xs.len(), map.ys.len()],
        "arrows_drawn": info.arrows,
        "best_fit": map.best_fit,
        "twice_nll": result.twice_nll,
    });
    done(&a.common, &info, figure)
}

fn brazil(a: BrazilArgs) -> anyhow::Result<()> {
    let c = &a.common;
    let (model, data) = model_and_data(c)?;
    let opts = report::BrazilOptions {
        limit: histfactory::infer::UpperLimitOptions {
            level: a.level,
            hypotest: histfactory::infer::HypotestOptions {
                progress: crate::progress::observer(!c.json),
                ..Default::default()
            },
            ..Default::default()
        },
        scan: a
            .scan
            .as_deref()
            .map(|s| parse_scan("--scan", s))
            .transpose()?,
        points: a.points,
    };
    let band = report::brazil(&model, &data, &opts).map_err(report_err)?;
    for w in &band.warnings {
        warning!("{w}");
    }
    let info = histfactory_plot::brazil_band(&(&band).into(), &c.output)?;
    done(c, &info, serde_json::to_value(&band)?)?;
    if !band.converged {
        bail!("some fits did not converge; the band may be off");
    }
    Ok(())
}

fn scan(a: ScanArgs) -> anyhow::Result<()> {
    let (model, data, result) = setup(&a.common)?;
    let mut opts = report::ScanOptions {
        par: a.par,
        ..Default::default()
    };
    if let Some(r) = &a.range {
        let parts: Vec<&str> = r.split(':').collect();
        let [lo, hi, n] = parts[..] else {
            bail!(input(anyhow!("--range {r}: expected LO:HI:N")));
        };
        opts.range = Some((parse_f64("--range", lo)?, parse_f64("--range", hi)?));
        opts.points = n
            .trim()
            .parse()
            .map_err(|_| input(anyhow!("--range {r}: \"{n}\" is not a number of points")))?;
        crate::infer_args::check_points("--range", r, opts.points)?;
    }
    let scan = report::scan(&model, &data, &result, &opts).map_err(report_err)?;
    for (v, ok) in scan.values.iter().zip(&scan.converged) {
        if !ok {
            warning!("the fit at {} = {v} did not converge", scan.par);
        }
    }
    let info = histfactory_plot::scan(&(&scan).into(), &a.common.output)?;
    done(&a.common, &info, serde_json::to_value(&scan)?)
}

fn pulls(a: PullsArgs) -> anyhow::Result<()> {
    let (model, _data, result) = setup(&a.common)?;
    let exclude_kinds = a
        .exclude_type
        .iter()
        .map(|t| {
            ModifierKind::from_name(t).ok_or_else(|| {
                input(anyhow!(
                    "--exclude-type {t}: not a modifier type (histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror)"
                ))
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let opts = report::PullsOptions {
        include_unconstrained: !a.constrained_only,
        exclude: a.exclude,
        exclude_kinds,
        ..Default::default()
    };
    let pulls = report::pulls(&model, &result, &opts).map_err(report_err)?;
    let info = histfactory_plot::pulls(&(&pulls).into(), &a.common.output)?;
    done(&a.common, &info, serde_json::to_value(&pulls)?)
}

fn correlations(a: CorrelationsArgs) -> anyhow::Result<()> {
    let (model, _data, result) = setup(&a.common)?;
    let opts = report::CorrelationOptions {
        threshold: a.threshold,
        top_n: a.top,
    };
    let corr = report::correlations(&model, &result, &opts).map_err(report_err)?;
    let info = histfactory_plot::correlations(&(&corr).into(), &a.common.output)?;
    let n = corr.indices.len();
    let rows: Vec<&[f64]> = corr.matrix.chunks(n.max(1)).collect();
    let figure = json!({ "names": corr.names, "correlations": rows });
    done(&a.common, &info, figure)
}

fn ranking(a: RankingArgs) -> anyhow::Result<()> {
    let (model, data, result) = setup(&a.common)?;
    let opts = report::RankingOptions { top_n: a.top };
    let ranking = report::ranking(&model, &data, &result, &opts).map_err(report_err)?;
    if ranking.impacts.is_empty() {
        bail!(input(anyhow!(
            "{}: the model has no nuisance parameters to rank (every parameter is the POI or fixed)",
            a.common.model.workspace.display()
        )));
    }
    for imp in ranking.impacts.iter().filter(|i| !i.converged) {
        warning!(
            "a fit with {} fixed did not converge; its impact may be off",
            imp.name
        );
    }
    let info = histfactory_plot::ranking(&(&ranking).into(), &a.common.output)?;
    done(&a.common, &info, serde_json::to_value(&ranking)?)
}

fn yields(a: YieldsArgs) -> anyhow::Result<()> {
    let (model, data, result) = setup(&a.common)?;
    let y = report::yields(&model, &data, Some(&result), &a.channel).map_err(report_err)?;
    let channels: Vec<&report::ChannelYields> = match a.stage {
        Stage::Prefit => y.prefit.iter().collect(),
        Stage::Postfit => y.postfit.iter().collect(),
        Stage::Both => y
            .prefit
            .iter()
            .zip(&y.postfit)
            .flat_map(|(pre, post)| [pre, post])
            .collect(),
    };
    let panels: Vec<histfactory_plot::Yields> = channels.iter().map(|&c| c.into()).collect();
    // Pre-fit and post-fit of a channel side by side; one stage alone in a square grid.
    let info = match a.stage {
        Stage::Both => histfactory_plot::yields_grid_columns(&panels, 2, &a.common.output),
        _ => histfactory_plot::yields_grid(&panels, &a.common.output),
    }
    .with_context(|| format!("drawing {}", a.common.output.display()))?;
    let figure: Vec<serde_json::Value> = channels
        .iter()
        .map(|c| {
            let samples: serde_json::Map<String, serde_json::Value> = c
                .samples
                .iter()
                .map(|s| (s.name.clone(), json!(s.yields)))
                .collect();
            json!({
                "channel": c.channel,
                "stage": c.stage.label(),
                "samples": samples,
                "total_uncertainty": c.total_uncertainty,
                "data": c.data,
            })
        })
        .collect();
    done(&a.common, &info, json!({ "panels": figure }))
}
