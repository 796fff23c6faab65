//! Gradient-map data: logpdf and its gradient over a grid of two parameters, the others at
//! their best-fit values.

use histfactory::fit::FitResult;
use histfactory::model::Model;

use super::{check_fit, check_range, default_range, linspace, par_index, PrepareError};
use crate::{Arrow, GradientMap};

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
    /// Title above the plot.
    pub title: Option<String>,
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
            title: None,
        }
    }
}

/// The gradient map of `x` and `y` (see [`GradientMapOptions`]): logpdf on a `grid × grid`
/// grid, gradient arrows on an `arrows × arrows` grid over the same ranges, every other
/// parameter at its best-fit value, the best fit as the red dot.
pub fn gradient_map_data(
    model: &Model,
    data: &[f64],
    fit: &FitResult,
    opts: &GradientMapOptions,
) -> Result<GradientMap, PrepareError> {
    check_fit(model, fit)?;
    let ix = par_index(model, &opts.x)?;
    let iy = par_index(model, &opts.y)?;
    if ix == iy {
        return Err(PrepareError::InvalidOption(format!(
            "the gradient map needs two different parameters, got \"{}\" twice",
            opts.x
        )));
    }
    if opts.grid < 2 || opts.arrows < 2 {
        return Err(PrepareError::InvalidOption(format!(
            "grid ({}) and arrows ({}) need at least 2 points per axis",
            opts.grid, opts.arrows
        )));
    }
    let xr = opts
        .x_range
        .unwrap_or_else(|| default_range(model, fit, ix));
    let yr = opts
        .y_range
        .unwrap_or_else(|| default_range(model, fit, iy));
    check_range(&format!("x ({})", opts.x), xr)?;
    check_range(&format!("y ({})", opts.y), yr)?;

    let grid = model.grid_2d(
        data,
        &fit.bestfit,
        ix,
        iy,
        &linspace(xr.0, xr.1, opts.grid),
        &linspace(yr.0, yr.1, opts.grid),
    )?;
    let ax = linspace(xr.0, xr.1, opts.arrows);
    let ay = linspace(yr.0, yr.1, opts.arrows);
    let coarse = model.grid_2d(data, &fit.bestfit, ix, iy, &ax, &ay)?;
    let arrows = (0..ax.len() * ay.len())
        .map(|k| Arrow {
            x: ax[k % ax.len()],
            y: ay[k / ax.len()],
            dx: coarse.grad_x[k],
            dy: coarse.grad_y[k],
        })
        .collect();
    Ok(GradientMap {
        x_label: opts.x.clone(),
        y_label: opts.y.clone(),
        xs: grid.xs,
        ys: grid.ys,
        values: grid.values,
        arrows,
        best_fit: (fit.bestfit[ix], fit.bestfit[iy]),
        title: opts.title.clone(),
        ..Default::default()
    })
}
