//! Correlation matrix heat map.

use histfactory::report::CorrelationReport;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::colormap::{contrast_text, diverging};
use crate::common::{check_len, check_nonempty, draw_row_names};
use crate::{figure_fns, Figure, PlotError, RenderInfo};

/// Largest matrix whose values are printed in the cells.
const MAX_ANNOTATED: usize = 20;

/// Input for [`correlations`]: a square correlation matrix.
///
/// Cells are coloured with a diverging blue–white–red map fixed to [−1, 1]
/// (so colours are comparable between figures), with the value printed in
/// each cell when n ≤ 20, names on both axes (x names rotated) and a colour
/// bar. Row 0 is at the top. NaN cells are drawn grey.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlations {
    /// Parameter names (n).
    pub names: Vec<String>,
    /// n×n correlation matrix, row-major.
    pub matrix: Vec<f64>,
}

figure_fns!(
    Correlations,
    correlations,
    correlations_svg,
    "a correlation matrix"
);

impl From<&CorrelationReport> for Correlations {
    /// The matrix of a [`CorrelationReport`], as pruned there.
    fn from(r: &CorrelationReport) -> Self {
        Correlations {
            names: r.names.clone(),
            matrix: r.matrix.clone(),
        }
    }
}

impl Figure for Correlations {
    fn size(&self) -> (u32, u32) {
        let n = self.names.len() as u32;
        let side = (260 + 40 * n).clamp(600, 2000);
        (side + 120, side)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_nonempty("names", self.names.len())?;
        check_len(
            "matrix (n*n)",
            self.names.len() * self.names.len(),
            self.matrix.len(),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<RenderInfo, PlotError>
    where
        DB::ErrorType: 'static,
    {
        let mut info = RenderInfo::default();
        let n = self.names.len();
        root.fill(&WHITE)?;
        let (w, _) = root.dim_in_pixel();
        let (main, cbar_area) = root.split_horizontally(w.saturating_sub(120));
        let longest = self
            .names
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1) as u32;
        let label_px = (longest * 8 + 20).clamp(50, 300);
        let mut chart = ChartBuilder::on(&main)
            .margin(15)
            .x_label_area_size(label_px)
            .y_label_area_size(label_px)
            .build_cartesian_2d(0.0..n as f64, 0.0..n as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .disable_y_axis()
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = (0.0, n as f64);
        info.y_range = (0.0, n as f64);
        let font = if n <= 10 { 15.0 } else { 11.0 };
        for i in 0..n {
            for j in 0..n {
                let v = self.matrix[i * n + j];
                // Row i at the top: data y = n-1-i.
                let (x, y) = (j as f64, (n - 1 - i) as f64);
                let color = if v.is_finite() {
                    diverging(v)
                } else {
                    RGBColor(170, 170, 170)
                };
                if !v.is_finite() {
                    info.skipped_values += 1;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    color.filled(),
                )))?;
                if n <= MAX_ANNOTATED && v.is_finite() {
                    let c = chart.backend_coord(&(x + 0.5, y + 0.5));
                    root.draw(&Text::new(
                        format!("{v:.2}"),
                        c,
                        ("sans-serif", font)
                            .into_font()
                            .color(&contrast_text(color))
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))?;
                }
                info.items += 1;
            }
        }
        let label_font = if n <= 30 { 14.0 } else { 10.0 };
        let rows = (0..n)
            .map(|i| {
                let y = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5)).1;
                (self.names[i].clone(), y)
            })
            .collect::<Vec<_>>();
        draw_row_names(root, rows, pr.start - 6, label_font)?;
        for (j, name) in self.names.iter().enumerate() {
            let (x, _) = chart.backend_coord(&(j as f64 + 0.5, 0.0));
            // Rotated 90°: the text runs downwards from just below the axis.
            root.draw(&Text::new(
                name.clone(),
                (x, py.end + 6),
                ("sans-serif", label_font)
                    .into_font()
                    .transform(FontTransform::Rotate90)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }

        let mut cb = ChartBuilder::on(&cbar_area)
            .margin_top(15)
            .margin_bottom(15 + label_px)
            .margin_right(10)
            .right_y_label_area_size(55)
            .build_cartesian_2d(0.0..1.0, -1.0..1.0)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .label_style(("sans-serif", 14))
            .y_labels(9)
            .draw()?;
        cb.draw_series((0..100).map(|k| {
            let lo = -1.0 + 2.0 * k as f64 / 100.0;
            let hi = lo + 0.02;
            Rectangle::new([(0.0, lo), (1.0, hi)], diverging(lo + 0.01).filled())
        }))?;
        info.colorbar_range = Some((-1.0, 1.0));
        Ok(info)
    }
}
