//! The `histfactory` command line: a thin front over the library. Exit codes: 0 success,
//! 2 the input is wrong, 1 the computation failed (for example a fit that did not converge).

mod cls;
mod fit;
mod infer_args;
mod inspect;
mod logpdf;
mod model_args;
mod plot;
mod scan;
mod simplemodel;
mod tools;
mod upper_limit;

// Fits of small models are allocation-bound (glibc malloc/free were 58% of a seed-model
// fit under callgrind); mimalloc makes them ~1.8x faster. The library leaves the choice of
// allocator to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// HistFactory likelihoods from pyhf JSON workspaces: inspect, evaluate, fit, infer, plot.
#[derive(Parser, Debug)]
#[command(name = "histfactory", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Summarise a workspace's model: channels, samples, modifiers, parameters
    Inspect(inspect::InspectArgs),
    /// Maximum-likelihood fit: best fit, uncertainties, correlations
    Fit(fit::FitArgs),
    /// Hypothesis test: CLs, CLs+b, CLb and the expected band at one POI value
    Cls(cls::ClsArgs),
    /// Observed and expected upper limits on the POI
    UpperLimit(upper_limit::UpperLimitArgs),
    /// Profile likelihood scan of one parameter
    Scan(scan::ScanArgs),
    /// logpdf (and gradient) at parameter vectors
    Logpdf(logpdf::LogpdfArgs),
    /// Figures: gradient map, Brazil band, scan, pulls, correlations, ranking, yields
    #[command(
        subcommand,
        after_help = "Example:\n  histfactory plot pulls workspace.json -o pulls.png"
    )]
    Plot(plot::PlotCommand),
    /// Write one of pyhf's simple models as a workspace
    #[command(
        subcommand,
        after_help = "Example:\n  histfactory simplemodel uncorrelated-background --signal 5 --bkg 10 --bkg-uncertainty 3.5 --observed 15"
    )]
    Simplemodel(simplemodel::SimpleModel),
    #[command(flatten)]
    Tools(tools::ToolCommand),
    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  histfactory completions bash > /etc/bash_completion.d/histfactory"
    )]
    Completions {
        /// The shell (bash, zsh, fish, elvish, powershell)
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Logpdf(a) => logpdf::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Cls(a) => cls::run(a),
        Command::UpperLimit(a) => upper_limit::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Plot(c) => plot::run(c),
        Command::Simplemodel(c) => simplemodel::run(c),
        // Workspace tools fail only on their input (missing items, clashes, digests).
        Command::Tools(c) => tools::run(c).map_err(model_args::input),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "histfactory",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<model_args::InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
