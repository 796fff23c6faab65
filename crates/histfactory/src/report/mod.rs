//! Reports: the numbers behind the standard figures of a HistFactory analysis, computed
//! from a model, a data vector and (where one is needed) the free fit's
//! [`FitResult`](crate::fit::FitResult).
//!
//! This is the last analysis layer: it uses [`fit`](crate::fit) and [`infer`](crate::infer)
//! and nothing uses it but the fronts (the CLI, the Python package, the plot crate's
//! callers). Every report is a plain `serde::Serialize` struct with the same shape every
//! time, so the CLI prints it as JSON, the Python package hands it to users, and
//! `histfactory-plot` draws it without computing anything itself.
//!
//! | report | function | result | extra fits |
//! |---|---|---|---|
//! | gradient map | [`gradient_map`] | [`GradientMapReport`] | none: logpdf and gradient on a grid, in parallel |
//! | Brazil band | [`brazil`] | [`BrazilReport`] | the limit search's hypothesis tests, then one per drawn point |
//! | profile scan | [`scan`] | [`ScanReport`] | one fixed-parameter fit per point, warm-started |
//! | pulls | [`pulls`] | [`PullsReport`] | none |
//! | correlations | [`correlations`] | [`CorrelationReport`] | none |
//! | ranking (impacts) | [`ranking`] | [`RankingReport`] | four per nuisance parameter, in parallel |
//! | yields | [`yields`] | [`YieldsReport`] | none: covariance through the exact Jacobian |
//!
//! Each function takes a small options struct with `Default`. Fits here start from the
//! best fit and keep its fixed parameters (`FitResult::fixed`), so a parameter fixed for
//! the free fit stays fixed in every related fit.
//!
//! To add a report: a module here with an options struct, a `Serialize` result struct
//! whose every field documents its units and conventions, and one function returning
//! `Result<_, ReportError>`; then a renderer in `histfactory-plot` that converts the result
//! into its figure (`From<&YourReport>`), and a CLI subcommand that calls both.
//!
//! ```
//! use histfactory::fit::{fit, FitOptions};
//! use histfactory::model::simple::uncorrelated_background;
//! use histfactory::report::{pulls, PullsOptions};
//! let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
//! let data = model.data_with_auxdata(&[15.0])?;
//! let result = fit(&model, &data, &FitOptions::default())?;
//! let report = pulls(&model, &result, &PullsOptions::default())?;
//! // One nuisance parameter: the background's shapesys, `uncorr_bkguncrt[0]`.
//! assert_eq!(report.entries[0].name, "uncorr_bkguncrt[0]");
//! # Ok::<(), histfactory::Error>(())
//! ```

mod brazil;
mod common;
mod correlations;
mod error;
mod gradient_map;
mod pulls;
mod ranking;
mod scan;
mod yields;

pub use brazil::{brazil, BrazilOptions, BrazilReport};
pub use correlations::{correlations, CorrelationOptions, CorrelationReport};
pub use error::ReportError;
pub use gradient_map::{gradient_map, GradientMapOptions, GradientMapReport};
pub use pulls::{pulls, PullEntry, PullsOptions, PullsReport};
pub use ranking::{ranking, Impact, RankingOptions, RankingReport};
pub use scan::{scan, ScanOptions, ScanReport};
pub use yields::{yields, ChannelYields, SampleYields, YieldStage, YieldsReport};
