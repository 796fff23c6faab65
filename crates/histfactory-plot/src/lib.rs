//! Figures for histfactory: gradient maps, Brazil bands, likelihood scans,
//! pulls, correlation matrices, ranking (impact) plots and yield tables.
//!
//! Every figure is a plain data struct plus a rendering function, e.g.
//! [`gradient_map`]`(&GradientMap, path)`. This crate draws and computes nothing:
//! the numbers come from the library's [`histfactory::report`] layer, and each figure
//! converts from its report with `From` (`GradientMap::from(&GradientMapReport)`,
//! `Pulls::from(&PullsReport)`, …), or callers fill the structs by hand.
//!
//! ```no_run
//! use histfactory::report::PullsReport;
//! use histfactory_plot::{pulls, Pulls};
//! // `numbers` comes from `histfactory::report::pulls(&model, &fit_result, &options)`.
//! fn draw(numbers: &PullsReport) -> Result<(), histfactory_plot::PlotError> {
//!     pulls(&Pulls::from(numbers), std::path::Path::new("pulls.png"))?;
//!     Ok(())
//! }
//! ```
//!
//! * The output format is chosen by the file extension (`.png` or `.svg`);
//!   every figure also has a `*_svg` variant that renders into a `String`.
//! * Text uses an embedded DejaVu Sans font (see `assets/`), so figures look
//!   the same everywhere. In SVG output the text is converted to glyph outline
//!   paths, so SVG files display correctly without any installed fonts.
//! * Functions return a [`RenderInfo`] with numbers that were actually drawn
//!   (e.g. the pixel position of the best-fit dot), so tests can check that
//!   the figure shows what was asked for.
//! * Bad input (mismatched lengths, empty data, NaN where a number is
//!   required) is reported as [`PlotError`]; rendering never panics on input.
#![deny(missing_docs)]

mod brazil;
mod colormap;
mod common;
mod correlation;
mod font;
mod gradient;
mod pulls;
mod ranking;
mod scan;
mod svgtext;
mod yields;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use brazil::{brazil_band, brazil_band_svg, BrazilBand};
pub use correlation::{correlations, correlations_svg, Correlations};
pub use gradient::{gradient_map, gradient_map_svg, Arrow, ArrowScaling, GradientMap};
pub use pulls::{pulls, pulls_svg, Pulls};
pub use ranking::{ranking, ranking_svg, Ranking};
pub use scan::{scan, scan_svg, ScanPlot};
pub use yields::{yields, yields_grid, yields_grid_columns, yields_grid_svg, yields_svg, Yields};

/// Errors from rendering a figure.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Two inputs that must have matching lengths do not.
    #[error("length mismatch for {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// Which input is wrong.
        what: String,
        /// The length implied by the other inputs.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// An input that needs data is empty.
    #[error("empty input: {0}")]
    Empty(String),
    /// An input has an invalid value (NaN where a number is required,
    /// a non-increasing grid, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The output path has an extension other than `.png` / `.svg`.
    #[error("unsupported output file extension {0:?}: use .png or .svg")]
    UnsupportedExtension(String),
    /// The embedded font could not be loaded.
    #[error("font error: {0}")]
    Font(String),
    /// The contour computation failed.
    #[error("contour computation failed: {0}")]
    Contour(String),
    /// The drawing backend reported an error (e.g. the file could not be written).
    #[error("drawing backend error: {0}")]
    Backend(String),
    /// Writing the output file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The output file could not be written (a missing directory, no permission).
    #[error("cannot write {path}: {message}")]
    Write {
        /// The output path.
        path: String,
        /// Why not.
        message: String,
    },
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Backend(e.to_string())
    }
}

/// Output file format, chosen from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Raster PNG (`.png`).
    #[default]
    Png,
    /// Vector SVG (`.svg`), with text converted to outline paths.
    Svg,
}

impl OutputFormat {
    /// Picks the format from a path's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, PlotError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "png" => Ok(OutputFormat::Png),
            "svg" => Ok(OutputFormat::Svg),
            _ => Err(PlotError::UnsupportedExtension(ext)),
        }
    }
}

/// A point that was drawn, in data and pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// What the marker is (e.g. `"best fit"`, `"observed limit"`).
    pub label: String,
    /// Data coordinates.
    pub data: (f64, f64),
    /// Pixel coordinates in the output image (origin top left).
    pub pixel: (i32, i32),
}

/// How the gradient-map arrows were scaled (see [`GradientMap`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ArrowScaleInfo {
    /// Scaling mode used.
    pub mode: ArrowScaling,
    /// Reference magnitude `g₀` (¼ of the median non-zero |∇|) of the log scaling.
    pub reference_magnitude: f64,
    /// Largest |∇| among the drawn arrows.
    pub max_magnitude: f64,
    /// Pixel length of the longest arrow.
    pub max_length_px: f64,
}

/// Numbers describing what was actually drawn, for tests and callers.
///
/// Fields that do not apply to a figure keep their default (0 / `None` / empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenderInfo {
    /// Output format.
    pub format: OutputFormat,
    /// Image size in pixels.
    pub size: (u32, u32),
    /// Data range of the main x axis.
    pub x_range: (f64, f64),
    /// Data range of the main y axis.
    pub y_range: (f64, f64),
    /// Pixel rectangle (top-left, bottom-right) of the main plotting area.
    pub plot_area: ((i32, i32), (i32, i32)),
    /// Notable points that were drawn (best fit, limits, ...).
    pub markers: Vec<Marker>,
    /// Number of filled colour levels (gradient map).
    pub filled_levels: usize,
    /// Number of filled polygons drawn (gradient map).
    pub filled_polygons: usize,
    /// Number of contour-line levels that produced at least one line.
    pub contour_lines: usize,
    /// Number of arrows drawn.
    pub arrows: usize,
    /// Arrow scaling used (gradient map).
    pub arrow_scale: Option<ArrowScaleInfo>,
    /// Value range covered by the colour bar.
    pub colorbar_range: Option<(f64, f64)>,
    /// Input values that were skipped because they were NaN or infinite.
    pub skipped_values: usize,
    /// Number of data items drawn (points, bars, cells, bins; figure specific).
    pub items: usize,
    /// Number of panels (yields grid).
    pub panels: usize,
    /// Notes printed on the figure (e.g. the arrow scaling).
    pub notes: Vec<String>,
}

/// A figure that can be drawn onto any plotters backend.
///
/// Private: the public API is the free functions per figure.
pub(crate) trait Figure {
    /// Output size in pixels.
    fn size(&self) -> (u32, u32);
    /// Checks the input before any file is created.
    fn validate(&self) -> Result<(), PlotError>;
    /// Draws the figure.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<RenderInfo, PlotError>
    where
        DB::ErrorType: 'static;
}

/// Renders a figure to `path`, the format chosen by the extension.
pub(crate) fn render_to_path<F: Figure>(fig: &F, path: &Path) -> Result<RenderInfo, PlotError> {
    let format = OutputFormat::from_path(path)?;
    fig.validate()?;
    font::ensure_registered()?;
    let write_err = |message: String| PlotError::Write {
        path: path.display().to_string(),
        message,
    };
    // Checked before drawing: the PNG backend reports a failed save only as a nested
    // debug dump of its error.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(write_err(format!(
                "the directory {} does not exist",
                dir.display()
            )));
        }
    }
    match format {
        OutputFormat::Png => {
            let size = fig.size();
            let root = BitMapBackend::new(path, size).into_drawing_area();
            let mut info = fig.draw(&root)?;
            root.present()
                .map_err(|e| write_err(format!("the PNG could not be saved ({e})")))?;
            info.format = OutputFormat::Png;
            info.size = size;
            Ok(info)
        }
        OutputFormat::Svg => {
            let (svg, info) = render_svg(fig)?;
            std::fs::write(path, svg).map_err(|e| write_err(e.to_string()))?;
            Ok(info)
        }
    }
}

/// Renders a figure into an SVG string (text as outline paths).
pub(crate) fn render_svg<F: Figure>(fig: &F) -> Result<(String, RenderInfo), PlotError> {
    fig.validate()?;
    font::ensure_registered()?;
    let size = fig.size();
    let mut buf = String::new();
    let mut info = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        let info = fig.draw(&root)?;
        root.present()?;
        info
    };
    info.format = OutputFormat::Svg;
    info.size = size;
    Ok((svgtext::text_to_paths(&buf)?, info))
}

/// Defines the public `name(fig, path)` and `name_svg(fig)` pair for a figure.
macro_rules! figure_fns {
    ($ty:ty, $file_fn:ident, $svg_fn:ident, $what:literal) => {
        #[doc = concat!("Renders ", $what, " to `path` (`.png` or `.svg`).")]
        ///
        /// Returns what was drawn; errors on invalid input or unsupported extension.
        pub fn $file_fn(
            fig: &$ty,
            path: &std::path::Path,
        ) -> Result<$crate::RenderInfo, $crate::PlotError> {
            $crate::render_to_path(fig, path)
        }

        #[doc = concat!("Renders ", $what, " into an SVG document string.")]
        pub fn $svg_fn(fig: &$ty) -> Result<(String, $crate::RenderInfo), $crate::PlotError> {
            $crate::render_svg(fig)
        }
    };
}
pub(crate) use figure_fns;
