//! Pull plot: post-fit nuisance-parameter pulls with constraints.

use histfactory::report::PullsReport;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::common::{check_len, check_nonempty, draw_row_names};
use crate::{figure_fns, Figure, PlotError, RenderInfo};

/// Input for [`pulls`]: one row per nuisance parameter.
///
/// Each row shows the pull (θ̂−θ₀)/Δθ as a black point with a horizontal
/// error bar of ± the constraint (post-fit σ / pre-fit σ), on green (±1σ) and
/// yellow (±2σ) bands; names are written on the y axis, first entry on top.
/// Rows with a non-finite pull are left empty (counted as skipped); a
/// non-finite constraint draws the point without an error bar.
/// Height grows with the number of rows (28 px each).
#[derive(Debug, Clone, PartialEq)]
pub struct Pulls {
    /// Parameter names.
    pub names: Vec<String>,
    /// (θ̂−θ₀)/Δθ per parameter.
    pub pulls: Vec<f64>,
    /// Post-fit σ / pre-fit σ per parameter.
    pub constraints: Vec<f64>,
}

figure_fns!(Pulls, pulls, pulls_svg, "a pull plot");

impl From<&PullsReport> for Pulls {
    /// One row per entry of a [`PullsReport`]: free parameters are drawn with their
    /// value and uncertainty, as the report gives them.
    fn from(r: &PullsReport) -> Self {
        Pulls {
            names: r.entries.iter().map(|e| e.name.clone()).collect(),
            pulls: r.entries.iter().map(|e| e.pull).collect(),
            constraints: r.entries.iter().map(|e| e.error).collect(),
        }
    }
}

impl Figure for Pulls {
    fn size(&self) -> (u32, u32) {
        (800, 130 + 28 * self.names.len().max(1) as u32)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_nonempty("names", self.names.len())?;
        check_len("pulls", self.names.len(), self.pulls.len())?;
        check_len("constraints", self.names.len(), self.constraints.len())
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
        let extent = self
            .pulls
            .iter()
            .zip(&self.constraints)
            .filter(|(p, _)| p.is_finite())
            .map(|(p, c)| p.abs() + if c.is_finite() { c.abs() } else { 0.0 })
            .fold(2.5f64, f64::max)
            .min(10.0);
        let x = (-extent - 0.2, extent + 0.2);
        let y = (-0.5, n as f64 - 0.5);
        root.fill(&WHITE)?;
        let longest = self
            .names
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1);
        let mut chart = ChartBuilder::on(root)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size((longest as u32 * 9 + 20).clamp(60, 360))
            .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(WHITE)
            .x_desc("pull (θ − θ₀) / Δθ")
            .axis_desc_style(("sans-serif", 20))
            .label_style(("sans-serif", 16))
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = x;
        info.y_range = y;
        let yellow = RGBColor(255, 223, 0);
        let green = RGBColor(0, 200, 0);
        chart.draw_series([
            Rectangle::new([(-2.0, y.0), (2.0, y.1)], yellow.mix(0.6).filled()),
            Rectangle::new([(-1.0, y.0), (1.0, y.1)], green.mix(0.6).filled()),
        ])?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, y.0), (0.0, y.1)],
            BLACK.stroke_width(1),
        )))?;
        // Row i is drawn at y = n-1-i so the first parameter is on top.
        let row_y = |i: usize| (n - 1 - i) as f64;
        for (i, (p, c)) in self.pulls.iter().zip(&self.constraints).enumerate() {
            if !p.is_finite() {
                info.skipped_values += 1;
                continue;
            }
            let yy = row_y(i);
            if c.is_finite() {
                chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
                    yy,
                    p - c.abs(),
                    *p,
                    p + c.abs(),
                    BLACK.stroke_width(2),
                    8,
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new((*p, yy), 5, BLACK.filled())))?;
            info.items += 1;
        }
        let rows = self
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), chart.backend_coord(&(x.0, row_y(i))).1))
            .collect::<Vec<_>>();
        draw_row_names(root, rows, pr.start - 8, 15.0)?;
        Ok(info)
    }
}
