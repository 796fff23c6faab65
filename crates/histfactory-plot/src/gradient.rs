//! Gradient map: filled contours of the log-likelihood over a 2-D grid with
//! gradient arrows, contour lines and the best-fit point.

use contour::ContourBuilder;
use histfactory::report::GradientMapReport;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::colormap::viridis;
use crate::common::{check_len, fmt_num};
use crate::{figure_fns, ArrowScaleInfo, Figure, Marker, PlotError, RenderInfo};

/// Number of filled colour levels.
const FILLED_LEVELS: usize = 100;
/// Number of white contour lines.
const LINE_LEVELS: usize = 20;
/// Longest arrow as a fraction of the arrow-grid spacing, so neighbouring
/// arrows never overlap.
const ARROW_FILL: f64 = 0.9;

/// One gradient arrow: tail at `(x, y)`, gradient components `(dx, dy)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    /// x (μ) position of the arrow tail.
    pub x: f64,
    /// y (θ) position of the arrow tail.
    pub y: f64,
    /// ∂ logpdf / ∂x.
    pub dx: f64,
    /// ∂ logpdf / ∂y.
    pub dy: f64,
}

/// How arrow lengths are derived from the gradient magnitude |∇|.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArrowScaling {
    /// Length ∝ ln(1 + |∇|/g₀) with g₀ a quarter of the median non-zero |∇| of the arrows,
    /// normalised so the largest gradient gets the longest arrow. Small
    /// gradients stay proportional (ln(1+u) ≈ u) while gradients that are
    /// orders of magnitude larger are compressed, so every arrow stays readable.
    #[default]
    Log,
    /// Length ∝ |∇|, normalised by the largest |∇| (like matplotlib's quiver).
    Linear,
}

/// Input for [`gradient_map`]: the log-likelihood on a grid plus gradients.
///
/// The figure (900×800 px, square plotting area) shows
/// * filled contours of `values` (100 levels, viridis) computed with
///   `contour`'s isobands, and a colour bar with the value scale;
/// * 20 dashed white contour lines (isolines) at evenly spaced values;
/// * black gradient arrows with tails at the arrow positions. Arrow
///   *directions* are the gradient as seen on the figure (perpendicular to the
///   drawn contour lines, i.e. components divided by the pixels-per-unit of
///   each axis); arrow *lengths* follow [`ArrowScaling`] (default: log
///   compression, ln(1 + |∇|/g₀), longest arrow = 0.9 × arrow spacing). The scaling is printed
///   below the plot. Heads are drawn in pixel space so they keep their shape;
///   arrows shorter than ~3 px are drawn as dots;
/// * the best fit as a red dot.
///
/// NaN/±inf grid values are skipped (those cells stay grey); a constant grid
/// is drawn as a single colour. Non-finite arrows are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientMap {
    /// x-axis label; empty means "μ".
    pub x_label: String,
    /// y-axis label; empty means "θ".
    pub y_label: String,
    /// Grid x values (strictly increasing; need not be evenly spaced).
    pub xs: Vec<f64>,
    /// Grid y values (strictly increasing).
    pub ys: Vec<f64>,
    /// logpdf on the grid, row-major: `values[iy * xs.len() + ix]`.
    pub values: Vec<f64>,
    /// Gradient arrows (typically on a coarser M×M subgrid).
    pub arrows: Vec<Arrow>,
    /// Best-fit point (x, y); drawn as a red dot (skipped if not finite).
    pub best_fit: (f64, f64),
    /// Optional title above the plot.
    pub title: Option<String>,
    /// Colour-bar label; `None` means "log L".
    pub value_label: Option<String>,
    /// Arrow length scaling.
    pub arrow_scaling: ArrowScaling,
}

impl Default for GradientMap {
    fn default() -> Self {
        GradientMap {
            x_label: "μ".into(),
            y_label: "θ".into(),
            xs: Vec::new(),
            ys: Vec::new(),
            values: Vec::new(),
            arrows: Vec::new(),
            best_fit: (f64::NAN, f64::NAN),
            title: None,
            value_label: None,
            arrow_scaling: ArrowScaling::Log,
        }
    }
}

figure_fns!(
    GradientMap,
    gradient_map,
    gradient_map_svg,
    "a gradient map (filled log-likelihood contours with gradient arrows)"
);

impl From<&GradientMapReport> for GradientMap {
    /// The map of a [`GradientMapReport`]: axes labelled with the parameter names, one
    /// arrow per point of its gradient grid, default title, colour bar and scaling.
    fn from(r: &GradientMapReport) -> Self {
        let nx = r.arrow_xs.len();
        let arrows = (0..nx * r.arrow_ys.len())
            .map(|k| Arrow {
                x: r.arrow_xs[k % nx],
                y: r.arrow_ys[k / nx],
                dx: r.grad_x[k],
                dy: r.grad_y[k],
            })
            .collect();
        GradientMap {
            x_label: r.x.clone(),
            y_label: r.y.clone(),
            xs: r.xs.clone(),
            ys: r.ys.clone(),
            values: r.logpdf.clone(),
            arrows,
            best_fit: (r.best_fit[0], r.best_fit[1]),
            ..Default::default()
        }
    }
}

fn check_grid(name: &str, g: &[f64]) -> Result<(), PlotError> {
    if g.len() < 2 {
        return Err(PlotError::Invalid(format!(
            "{name} needs at least 2 grid points, got {}",
            g.len()
        )));
    }
    if g.iter().any(|v| !v.is_finite()) {
        return Err(PlotError::Invalid(format!("{name} contains NaN or inf")));
    }
    if g.windows(2).any(|w| w[1] <= w[0]) {
        return Err(PlotError::Invalid(format!(
            "{name} must be strictly increasing"
        )));
    }
    Ok(())
}

/// Maps a `contour` coordinate to data space. `contour` treats grid value
/// `i` as the centre of cell `[i, i+1]`, so `c - 0.5` is the fractional grid
/// index; it is clamped to the grid and interpolated, which also supports
/// unevenly spaced grids.
fn to_data(grid: &[f64], c: f64) -> f64 {
    let n = grid.len();
    let u = (c - 0.5).clamp(0.0, (n - 1) as f64);
    let i = (u.floor() as usize).min(n - 2);
    let f = u - i as f64;
    grid[i] + f * (grid[i + 1] - grid[i])
}

impl GradientMap {
    fn point(&self, cx: f64, cy: f64) -> (f64, f64) {
        (to_data(&self.xs, cx), to_data(&self.ys, cy))
    }

    fn label_or<'a>(label: &'a str, default: &'a str) -> &'a str {
        if label.trim().is_empty() {
            default
        } else {
            label
        }
    }
}

impl Figure for GradientMap {
    fn size(&self) -> (u32, u32) {
        // Wider than tall: the colour bar takes ~125 px, leaving a square plot.
        (900, 800)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_grid("xs", &self.xs)?;
        check_grid("ys", &self.ys)?;
        check_len(
            "values (xs.len() * ys.len())",
            self.xs.len() * self.ys.len(),
            self.values.len(),
        )?;
        if !self.values.iter().any(|v| v.is_finite()) {
            return Err(PlotError::Invalid("values has no finite entries".into()));
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<RenderInfo, PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let mut info = RenderInfo::default();

        // Value range from finite entries only; a constant grid gets a
        // symmetric unit range so the levels are well defined.
        let (mut vmin, mut vmax) = crate::common::finite_range(&self.values)
            .ok_or_else(|| PlotError::Invalid("values has no finite entries".into()))?;
        if vmax - vmin <= f64::EPSILON * vmax.abs().max(1.0) {
            vmin -= 0.5;
            vmax += 0.5;
        }
        let span = vmax - vmin;
        if !span.is_finite() {
            return Err(PlotError::Invalid(
                "values span more than the f64 range".into(),
            ));
        }
        // Non-finite values get sentinels outside every band and every line
        // level, so those cells are simply not filled (they show grey).
        let grid: Vec<f64> = self
            .values
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    v
                } else if v == f64::INFINITY {
                    vmax + span
                } else {
                    vmin - span
                }
            })
            .collect();
        info.skipped_values = self.values.iter().filter(|v| !v.is_finite()).count();

        // Top threshold slightly above vmax: bands are half-open [lo, hi).
        let band_edges: Vec<f64> = (0..=FILLED_LEVELS)
            .map(|k| vmin + span * k as f64 / FILLED_LEVELS as f64)
            .map(|t| if t >= vmax { vmax + 1e-9 * span } else { t })
            .collect();
        let line_levels: Vec<f64> = (1..=LINE_LEVELS)
            .map(|k| vmin + span * k as f64 / (LINE_LEVELS + 1) as f64)
            .collect();
        let builder = ContourBuilder::new(nx, ny, true);
        let bands = builder
            .isobands(&grid, &band_edges)
            .map_err(|e| PlotError::Contour(format!("{e:?}")))?;
        let lines = builder
            .lines(&grid, &line_levels)
            .map_err(|e| PlotError::Contour(format!("{e:?}")))?;

        // ---- layout ----
        root.fill(&WHITE)?;
        let area = match &self.title {
            Some(t) => root.titled(t, ("sans-serif", 24))?,
            None => root.clone(),
        };
        let (w, h) = area.dim_in_pixel();
        let (upper, note_area) = area.split_vertically(h.saturating_sub(30));
        let (main, cbar_area) = upper.split_horizontally(w.saturating_sub(125));

        let (x0, x1) = (self.xs[0], self.xs[nx - 1]);
        let (y0, y1) = (self.ys[0], self.ys[ny - 1]);
        // Pad the longer side so the plotting area is square, like the reference.
        let (mw, mh) = main.dim_in_pixel();
        let pw = mw as i64 - 24 - 70;
        let ph = mh as i64 - 24 - 55;
        let pad_x = ((pw - ph).max(0) / 2) as u32;
        let pad_y = ((ph - pw).max(0) / 2) as u32;
        let mut chart = ChartBuilder::on(&main)
            .margin_top(12 + pad_y)
            .margin_bottom(12 + pad_y)
            .margin_left(12 + pad_x)
            .margin_right(12 + pad_x)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(Self::label_or(&self.x_label, "μ"))
            .y_desc(Self::label_or(&self.y_label, "θ"))
            .axis_desc_style(("sans-serif", 22))
            .label_style(("sans-serif", 17))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let (px_range, py_range) = chart.plotting_area().get_pixel_range();
        info.plot_area = (
            (px_range.start, py_range.start),
            (px_range.end, py_range.end),
        );
        info.x_range = (x0, x1);
        info.y_range = (y0, y1);
        // Grey shows through where values were NaN/inf.
        chart.plotting_area().fill(&RGBColor(190, 190, 190))?;

        // ---- filled contours ----
        for band in &bands {
            // Colour at the band centre, normalised over the value range.
            let mid = 0.5 * (band.min_v() + band.max_v().min(vmax));
            let color = viridis((mid - vmin) / span);
            for poly in band.geometry().0.iter() {
                let ext: Vec<(f64, f64)> = poly
                    .exterior()
                    .0
                    .iter()
                    .map(|c| self.point(c.x, c.y))
                    .collect();
                if ext.len() < 3 {
                    continue;
                }
                // Holes are stitched into one outline with zero-width bridges
                // back to the first vertex; holes have the opposite winding,
                // so both the even-odd (bitmap) and non-zero (SVG) fill rules
                // leave them empty.
                let mut outline = ext.clone();
                let anchor = ext[0];
                let mut rings = vec![ext];
                for hole in poly.interiors() {
                    let h: Vec<(f64, f64)> = hole.0.iter().map(|c| self.point(c.x, c.y)).collect();
                    if h.len() < 3 {
                        continue;
                    }
                    outline.extend(h.iter().copied());
                    outline.push(h[0]);
                    outline.push(anchor);
                    rings.push(h);
                }
                chart.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?;
                // Stroking the outline in the fill colour hides hairline seams
                // between neighbouring bands (anti-aliasing / integer pixels).
                chart.draw_series(
                    rings
                        .into_iter()
                        .map(|r| PathElement::new(r, color.stroke_width(1))),
                )?;
                info.filled_polygons += 1;
            }
        }
        info.filled_levels = FILLED_LEVELS;

        // ---- contour lines ----
        let line_style = WHITE.mix(0.9).stroke_width(2);
        for line in &lines {
            let mut drawn = false;
            for ls in line.geometry().0.iter() {
                let pts: Vec<(f64, f64)> = ls.0.iter().map(|c| self.point(c.x, c.y)).collect();
                if pts.len() < 2 {
                    continue;
                }
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    pts, 7, 5, line_style,
                )))?;
                drawn = true;
            }
            info.contour_lines += usize::from(drawn);
        }

        // ---- arrows ----
        let plot_w = (px_range.end - px_range.start).max(1) as f64;
        let plot_h = (py_range.end - py_range.start).max(1) as f64;
        let (sx, sy) = (plot_w / (x1 - x0), plot_h / (y1 - y0));
        let arrows: Vec<&Arrow> = self
            .arrows
            .iter()
            .filter(|a| [a.x, a.y, a.dx, a.dy].iter().all(|v| v.is_finite()))
            .filter(|a| a.x >= x0 && a.x <= x1 && a.y >= y0 && a.y <= y1)
            .collect();
        if !arrows.is_empty() {
            let cell = arrow_cell(&arrows, plot_w, plot_h, sx, sy);
            let mags: Vec<f64> = arrows.iter().map(|a| a.dx.hypot(a.dy)).collect();
            let gmax = mags.iter().copied().fold(0.0, f64::max);
            let mut nonzero: Vec<f64> = mags.iter().copied().filter(|m| *m > 0.0).collect();
            nonzero.sort_by(f64::total_cmp);
            // A quarter of the median keeps typical arrows in the roughly
            // linear part of ln(1+u) while compressing the outliers.
            let g0 = 0.25 * nonzero.get(nonzero.len() / 2).copied().unwrap_or(4.0);
            let f = |m: f64| match self.arrow_scaling {
                ArrowScaling::Log => (m / g0).ln_1p(),
                ArrowScaling::Linear => m,
            };
            let lmax = ARROW_FILL * cell;
            let fmax = f(gmax);
            for (a, m) in arrows.iter().zip(&mags) {
                let len = if fmax > 0.0 { lmax * f(*m) / fmax } else { 0.0 };
                // Direction on screen: gradient w.r.t. pixel coordinates, y flipped.
                let (ux, uy) = (a.dx / sx, -a.dy / sy);
                let norm = ux.hypot(uy);
                let tail = chart.backend_coord(&(a.x, a.y));
                if norm == 0.0 || len < 3.0 {
                    root.draw(&Circle::new(tail, 2, BLACK.filled()))?;
                } else {
                    draw_arrow(root, tail, (ux / norm, uy / norm), len)?;
                }
                info.arrows += 1;
            }
            let note = match self.arrow_scaling {
                ArrowScaling::Log => format!(
                    "arrows: direction of ∇ log L; length ∝ ln(1 + |∇|/g₀), g₀ = {} (¼ median), max |∇| = {}",
                    fmt_num(g0),
                    fmt_num(gmax)
                ),
                ArrowScaling::Linear => format!(
                    "arrows: direction of ∇ log L; length ∝ |∇|, max |∇| = {}",
                    fmt_num(gmax)
                ),
            };
            note_area.draw(&Text::new(
                note.clone(),
                (14, 4),
                ("sans-serif", 15).into_font().color(&BLACK.mix(0.8)),
            ))?;
            info.notes.push(note);
            info.arrow_scale = Some(ArrowScaleInfo {
                mode: self.arrow_scaling,
                reference_magnitude: g0,
                max_magnitude: gmax,
                max_length_px: lmax,
            });
        }

        // ---- best fit ----
        let (bx, by) = self.best_fit;
        if bx.is_finite() && by.is_finite() {
            chart.draw_series(std::iter::once(Circle::new((bx, by), 6, RED.filled())))?;
            info.markers.push(Marker {
                label: "best fit".into(),
                data: (bx, by),
                pixel: chart.backend_coord(&(bx, by)),
            });
        }

        // ---- colour bar ----
        let mut cb = ChartBuilder::on(&cbar_area)
            .margin_top(12 + pad_y)
            .margin_bottom(55 + 12 + pad_y)
            .margin_right(8)
            .right_y_label_area_size(70)
            .build_cartesian_2d(0.0..1.0, vmin..vmax)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(self.value_label.as_deref().unwrap_or("log L"))
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", 15))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        cb.draw_series((0..FILLED_LEVELS).map(|k| {
            let lo = vmin + span * k as f64 / FILLED_LEVELS as f64;
            let hi = vmin + span * (k + 1) as f64 / FILLED_LEVELS as f64;
            let c = viridis((k as f64 + 0.5) / FILLED_LEVELS as f64);
            Rectangle::new([(0.0, lo), (1.0, hi)], c.filled())
        }))?;
        cb.draw_series(
            line_levels
                .iter()
                .map(|&t| PathElement::new(vec![(0.0, t), (1.0, t)], WHITE.stroke_width(1))),
        )?;
        info.colorbar_range = Some((vmin, vmax));
        Ok(info)
    }
}

/// Pixel spacing of the arrow grid: the smallest gap between distinct arrow
/// positions along either axis, falling back to the plot size / √n.
fn arrow_cell(arrows: &[&Arrow], plot_w: f64, plot_h: f64, sx: f64, sy: f64) -> f64 {
    let min_gap = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 1.0)
            .fold(f64::INFINITY, f64::min)
    };
    let gx = min_gap(arrows.iter().map(|a| a.x * sx).collect());
    let gy = min_gap(arrows.iter().map(|a| a.y * sy).collect());
    let g = gx.min(gy);
    if g.is_finite() {
        g
    } else {
        plot_w.min(plot_h) / (arrows.len() as f64).sqrt().max(1.0)
    }
}

/// Draws an arrow in pixel space from `tail` along unit vector `dir`.
fn draw_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    tail: (i32, i32),
    dir: (f64, f64),
    len: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let head = (0.35 * len).clamp(4.0, 11.0);
    let half = 0.45 * head;
    let (tx, ty) = (tail.0 as f64, tail.1 as f64);
    let tip = (tx + dir.0 * len, ty + dir.1 * len);
    let base = (tip.0 - dir.0 * head, tip.1 - dir.1 * head);
    let normal = (-dir.1, dir.0);
    let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    root.draw(&PathElement::new(
        vec![tail, p(base.0 + dir.0, base.1 + dir.1)],
        BLACK.stroke_width(2),
    ))?;
    root.draw(&Polygon::new(
        vec![
            p(tip.0, tip.1),
            p(base.0 + normal.0 * half, base.1 + normal.1 * half),
            p(base.0 - normal.0 * half, base.1 - normal.1 * half),
        ],
        BLACK.filled(),
    ))?;
    Ok(())
}
