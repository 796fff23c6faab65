//! The gradient map: logpdf and its gradient over a grid of two parameters, the others at
//! their best-fit values (the seed workflow's figure).

use serde::Serialize;

use crate::fit::FitResult;
use crate::limits;
use crate::model::Model;

use super::common::{check_fit, check_range, default_range, linspace, par_index};
use super::ReportError;

/// What to draw in a gradient map.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientMapOptions {
    /// Parameter on the x axis (name as in `par_names`).
    pub x: String,
    /// Parameter on the y axis.
    pub y: String,
    /// x range; default: best fit ± 3σ within the parameter's bounds.
    pub x_range: Option<(f64, f64)>,
    /// y range; default as for x.
    pub y_range: Option<(f64, f64)>,
    /// Grid points per axis for the contours (default 101).
    pub grid: usize,
    /// Arrows per axis (default 11).
    pub arrows: usize,
}

impl Default for GradientMapOptions {
    fn default() -> Self {
        GradientMapOptions {
            x: String::new(),
            y: String::new(),
            x_range: None,
            y_range: None,
            grid: 101,
            arrows: 11,
        }
    }
}

/// logpdf on a fine grid of two parameters and its gradient on a coarse one over the same
/// ranges, every other parameter at its best-fit value.
///
/// Both grids are row-major with x varying fastest: the value at `(xs[i], ys[j])` is
/// `logpdf[j * xs.len() + i]`, the gradient at `(arrow_xs[i], arrow_ys[j])` is
/// `(grad_x[k], grad_y[k])` with `k = j * arrow_xs.len() + i`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct GradientMapReport {
    /// Name of the parameter on the x axis.
    pub x: String,
    /// Name of the parameter on the y axis.
    pub y: String,
    /// Index of the x parameter in the parameter vector.
    pub x_index: usize,
    /// Index of the y parameter in the parameter vector.
    pub y_index: usize,
    /// x values of the fine grid, increasing; the ends are the range's ends exactly.
    pub xs: Vec<f64>,
    /// y values of the fine grid, increasing.
    pub ys: Vec<f64>,
    /// logpdf (with every constant term, as pyhf's `model.logpdf`) on `xs × ys`.
    pub logpdf: Vec<f64>,
    /// x values of the arrow grid, increasing, over the same range as `xs`.
    pub arrow_xs: Vec<f64>,
    /// y values of the arrow grid.
    pub arrow_ys: Vec<f64>,
    /// ∂ logpdf / ∂x on `arrow_xs × arrow_ys` (not finite where a rate vanishes).
    pub grad_x: Vec<f64>,
    /// ∂ logpdf / ∂y on `arrow_xs × arrow_ys`.
    pub grad_y: Vec<f64>,
    /// The best fit's (x, y).
    pub best_fit: [f64; 2],
}

/// The gradient map of `x` and `y` (see [`GradientMapOptions`]): logpdf on a `grid × grid`
/// grid, the gradient on an `arrows × arrows` grid over the same ranges, every other
/// parameter at its best-fit value.
///
/// # Errors
/// [`ReportError::UnknownParameter`] for a name the model lacks,
/// [`ReportError::InvalidOption`] for the same parameter twice, fewer than 2 points per
/// axis or an empty or non-finite range, [`ReportError::Model`] if the grid cannot be
/// evaluated.
pub fn gradient_map(
    model: &Model,
    data: &[f64],
    fit: &FitResult,
    opts: &GradientMapOptions,
) -> Result<GradientMapReport, ReportError> {
    check_fit(model, fit)?;
    let ix = par_index(model, &opts.x)?;
    let iy = par_index(model, &opts.y)?;
    if ix == iy {
        return Err(ReportError::InvalidOption(format!(
            "the gradient map needs two different parameters, got \"{}\" twice",
            opts.x
        )));
    }
    if opts.grid < 2 || opts.arrows < 2 {
        return Err(ReportError::InvalidOption(format!(
            "grid ({}) and arrows ({}) need at least 2 points per axis",
            opts.grid, opts.arrows
        )));
    }
    limits::check_count("grid", opts.grid, limits::MAX_GRID)?;
    limits::check_count("arrows", opts.arrows, limits::MAX_ARROWS)?;
    // The logpdf grid, and the gradient grid with a full gradient per point.
    let needed = (opts.grid * opts.grid)
        .checked_add(opts.arrows * opts.arrows * (model.n_pars() + 1))
        .and_then(limits::bytes_of::<f64>);
    limits::check_memory(format!("a {0} x {0} gradient map", opts.grid), needed)?;
    let xr = opts
        .x_range
        .unwrap_or_else(|| default_range(model, fit, ix));
    let yr = opts
        .y_range
        .unwrap_or_else(|| default_range(model, fit, iy));
    check_range(&format!("x ({})", opts.x), xr)?;
    check_range(&format!("y ({})", opts.y), yr)?;

    let grid = model
        .grid_2d(
            data,
            &fit.bestfit,
            ix,
            iy,
            &linspace(xr.0, xr.1, opts.grid),
            &linspace(yr.0, yr.1, opts.grid),
        )
        .map_err(ReportError::model("gradient map: logpdf grid"))?;
    let ax = linspace(xr.0, xr.1, opts.arrows);
    let ay = linspace(yr.0, yr.1, opts.arrows);
    let coarse = model
        .grid_2d(data, &fit.bestfit, ix, iy, &ax, &ay)
        .map_err(ReportError::model("gradient map: gradient grid"))?;
    Ok(GradientMapReport {
        x: opts.x.clone(),
        y: opts.y.clone(),
        x_index: ix,
        y_index: iy,
        xs: grid.xs,
        ys: grid.ys,
        logpdf: grid.values,
        arrow_xs: ax,
        arrow_ys: ay,
        grad_x: coarse.grad_x,
        grad_y: coarse.grad_y,
        best_fit: [fit.bestfit[ix], fit.bestfit[iy]],
    })
}
