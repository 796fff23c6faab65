//! `histfactory simplemodel`: pyhf's simple models as complete workspaces.

use histfactory::model::simple::{
    correlated_background_workspace, uncorrelated_background_workspace,
};

/// Write one of pyhf's simple models as a workspace on standard output.
#[derive(clap::Subcommand, Debug)]
pub enum SimpleModel {
    /// Signal (normfactor mu) + background with uncorrelated per-bin uncertainties (shapesys)
    #[command(
        after_help = "Example:\n  histfactory simplemodel uncorrelated-background --signal 5 --bkg 10 --bkg-uncertainty 3.5 --observed 15"
    )]
    UncorrelatedBackground {
        /// Signal yields per bin, comma-separated
        #[arg(long, value_delimiter = ',', required = true)]
        signal: Vec<f64>,
        /// Background yields per bin
        #[arg(long, value_delimiter = ',', required = true)]
        bkg: Vec<f64>,
        /// Absolute background uncertainties per bin
        #[arg(long, value_delimiter = ',', required = true)]
        bkg_uncertainty: Vec<f64>,
        /// Observed counts per bin (default: signal + background)
        #[arg(long, value_delimiter = ',')]
        observed: Option<Vec<f64>>,
    },
    /// Signal (normfactor mu) + background with a correlated shape uncertainty (histosys)
    #[command(
        after_help = "Example:\n  histfactory simplemodel correlated-background --signal 12,11 --bkg 50,52 --bkg-up 45,57 --bkg-down 55,47"
    )]
    CorrelatedBackground {
        /// Signal yields per bin
        #[arg(long, value_delimiter = ',', required = true)]
        signal: Vec<f64>,
        /// Background yields per bin
        #[arg(long, value_delimiter = ',', required = true)]
        bkg: Vec<f64>,
        /// Background yields at +1 sigma
        #[arg(long, value_delimiter = ',', required = true)]
        bkg_up: Vec<f64>,
        /// Background yields at -1 sigma
        #[arg(long, value_delimiter = ',', required = true)]
        bkg_down: Vec<f64>,
        /// Observed counts per bin (default: signal + background)
        #[arg(long, value_delimiter = ',')]
        observed: Option<Vec<f64>>,
    },
}

pub fn run(cmd: SimpleModel) -> anyhow::Result<()> {
    let ws = match cmd {
        SimpleModel::UncorrelatedBackground {
            signal,
            bkg,
            bkg_uncertainty,
            observed,
        } => {
            uncorrelated_background_workspace(&signal, &bkg, &bkg_uncertainty, observed.as_deref())
        }
        SimpleModel::CorrelatedBackground {
            signal,
            bkg,
            bkg_up,
            bkg_down,
            observed,
        } => {
            correlated_background_workspace(&signal, &bkg, &bkg_up, &bkg_down, observed.as_deref())
        }
    };
    let value = ws.to_value();
    // Validate what we print, so a mismatched bin count is an input error here.
    histfactory::spec::Workspace::from_value(&value).map_err(crate::model_args::input)?;
    outln!("{}", serde_json::to_string_pretty(&value)?)?;
    Ok(())
}
