//! Profile likelihood scan: −2Δln L versus one parameter.

use histfactory::report::ScanReport;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::common::{check_len, check_nonempty, fmt_num};
use crate::{figure_fns, Figure, Marker, PlotError, RenderInfo};

/// Input for [`scan`]: a profile likelihood scan of one parameter.
///
/// Draws −2Δln L as a line with points, dashed horizontal lines at 1 and 4
/// labelled "1σ" and "2σ", and the best fit as a red dot at −2Δln L = 0.
/// Non-finite points are skipped. 800×600 px.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPlot {
    /// Parameter name (x-axis label).
    pub par_name: String,
    /// Scanned parameter values.
    pub values: Vec<f64>,
    /// −2Δln L (= 2ΔNLL) at each value.
    pub delta_twice_nll: Vec<f64>,
    /// Best-fit parameter value.
    pub best_fit: f64,
}

figure_fns!(ScanPlot, scan, scan_svg, "a profile likelihood scan");

impl From<&ScanReport> for ScanPlot {
    /// Δtwice_nll of a [`ScanReport`] against the scanned parameter.
    fn from(r: &ScanReport) -> Self {
        ScanPlot {
            par_name: r.par.clone(),
            values: r.values.clone(),
            delta_twice_nll: r.delta_twice_nll.clone(),
            best_fit: r.best_fit,
        }
    }
}

impl Figure for ScanPlot {
    fn size(&self) -> (u32, u32) {
        (800, 600)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_nonempty("values", self.values.len())?;
        check_len(
            "delta_twice_nll",
            self.values.len(),
            self.delta_twice_nll.len(),
        )?;
        if !self
            .values
            .iter()
            .zip(&self.delta_twice_nll)
            .any(|(x, y)| x.is_finite() && y.is_finite())
        {
            return Err(PlotError::Invalid("scan has no finite points".into()));
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
        let mut info = RenderInfo::default();
        let pts: Vec<(f64, f64)> = self
            .values
            .iter()
            .zip(&self.delta_twice_nll)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (*x, *y))
            .collect();
        info.skipped_values = self.values.len() - pts.len();
        let xr = crate::common::finite_range(pts.iter().map(|p| &p.0)).unwrap_or((0.0, 1.0));
        let (x0, x1) = crate::common::pad_range(xr, 0.02);
        let ymax = pts.iter().map(|p| p.1).fold(5.0f64, f64::max) * 1.05;
        let ymin = pts.iter().map(|p| p.1).fold(0.0f64, f64::min);
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, ymin..ymax)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc(self.par_name.as_str())
            .y_desc("−2Δ ln L")
            .axis_desc_style(("sans-serif", 22))
            .label_style(("sans-serif", 17))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = (x0, x1);
        info.y_range = (ymin, ymax);
        for (level, name) in [(1.0, "1σ"), (4.0, "2σ")] {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(x0, level), (x1, level)],
                8,
                5,
                RGBColor(120, 120, 120).stroke_width(2),
            )))?;
            let (px, pyl) = chart.backend_coord(&(x1, level));
            root.draw(&Text::new(
                name,
                (px - 8, pyl - 4),
                ("sans-serif", 18)
                    .into_font()
                    .color(&RGBColor(80, 80, 80))
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            ))?;
        }
        chart.draw_series(LineSeries::new(pts.clone(), BLUE.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        info.items = pts.len();
        if self.best_fit.is_finite() {
            let p = (self.best_fit, 0.0);
            chart.draw_series(std::iter::once(Circle::new(p, 6, RED.filled())))?;
            info.markers.push(Marker {
                label: "best fit".into(),
                data: p,
                pixel: chart.backend_coord(&p),
            });
            root.draw(&Text::new(
                format!("best fit {} = {}", self.par_name, fmt_num(self.best_fit)),
                (pr.start + 10, py.start + 8),
                ("sans-serif", 17),
            ))?;
        }
        Ok(info)
    }
}
