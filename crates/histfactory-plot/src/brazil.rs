//! Brazil band: observed and expected CLs versus the parameter of interest.

use histfactory::report::BrazilReport;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::common::{check_len, check_nonempty, fmt_num};
use crate::{figure_fns, Figure, Marker, PlotError, RenderInfo};

/// Input for [`brazil_band`]: a CLs scan with expected bands.
///
/// Draws the expected median (dashed black), the ±1σ (green) and ±2σ
/// (yellow) expected bands, the observed CLs (solid black with points), a red
/// horizontal line at the test size `level`, and vertical markers at the
/// observed (solid) and expected-median (dashed) upper limits. Non-finite
/// points are skipped. 800×600 px.
#[derive(Debug, Clone, PartialEq)]
pub struct BrazilBand {
    /// Tested POI values (x axis), increasing.
    pub poi_values: Vec<f64>,
    /// Observed CLs per POI value.
    pub cls_obs: Vec<f64>,
    /// Expected CLs per POI value for −2σ, −1σ, median, +1σ, +2σ.
    pub cls_exp: Vec<[f64; 5]>,
    /// Test size, e.g. 0.05.
    pub level: f64,
    /// Observed upper limit.
    pub obs_limit: f64,
    /// Expected upper limits (−2σ … +2σ).
    pub exp_limits: [f64; 5],
    /// POI axis label; empty means "μ".
    pub poi_name: String,
}

figure_fns!(
    BrazilBand,
    brazil_band,
    brazil_band_svg,
    "a Brazil-band CLs plot"
);

impl From<&BrazilReport> for BrazilBand {
    /// The band of a [`BrazilReport`], labelled with the POI's name.
    fn from(r: &BrazilReport) -> Self {
        BrazilBand {
            poi_values: r.poi_values.clone(),
            cls_obs: r.cls_obs.clone(),
            cls_exp: r.cls_exp.clone(),
            level: r.level,
            obs_limit: r.obs_limit,
            exp_limits: r.exp_limits,
            poi_name: r.poi.clone(),
        }
    }
}

impl Figure for BrazilBand {
    fn size(&self) -> (u32, u32) {
        (800, 600)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_nonempty("poi_values", self.poi_values.len())?;
        check_len("cls_obs", self.poi_values.len(), self.cls_obs.len())?;
        check_len("cls_exp", self.poi_values.len(), self.cls_exp.len())?;
        if !self.level.is_finite() || self.level <= 0.0 || self.level >= 1.0 {
            return Err(PlotError::Invalid(format!(
                "level must be in (0, 1), got {}",
                self.level
            )));
        }
        if !self.poi_values.iter().any(|v| v.is_finite()) {
            return Err(PlotError::Invalid(
                "poi_values has no finite entries".into(),
            ));
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
        let (x0, x1) = crate::common::pad_range(
            crate::common::finite_range(&self.poi_values).unwrap_or((0.0, 1.0)),
            0.0,
        );
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..1.05)?;
        let xl = if self.poi_name.trim().is_empty() {
            "μ"
        } else {
            &self.poi_name
        };
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc(xl)
            .y_desc("CLs")
            .axis_desc_style(("sans-serif", 22))
            .label_style(("sans-serif", 17))
            .x_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = (x0, x1);
        info.y_range = (0.0, 1.05);

        // Only points where POI and all expected values are finite enter the bands.
        let exp: Vec<(f64, [f64; 5])> = self
            .poi_values
            .iter()
            .zip(&self.cls_exp)
            .filter(|(x, e)| x.is_finite() && e.iter().all(|v| v.is_finite()))
            .map(|(x, e)| (*x, *e))
            .collect();
        info.skipped_values = self.poi_values.len() - exp.len();
        let band = |lo: usize, hi: usize| {
            let mut pts: Vec<(f64, f64)> = exp.iter().map(|(x, e)| (*x, e[hi])).collect();
            pts.extend(exp.iter().rev().map(|(x, e)| (*x, e[lo])));
            pts
        };
        let yellow = RGBColor(255, 223, 0);
        let green = RGBColor(0, 200, 0);
        if exp.len() >= 2 {
            chart
                .draw_series(std::iter::once(Polygon::new(band(0, 4), yellow.filled())))?
                .label("expected ±2σ")
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], yellow.filled())
                });
            chart
                .draw_series(std::iter::once(Polygon::new(band(1, 3), green.filled())))?
                .label("expected ±1σ")
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], green.filled())
                });
        }
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                exp.iter().map(|(x, e)| (*x, e[2])).collect::<Vec<_>>(),
                8,
                5,
                BLACK.stroke_width(2),
            )))?
            .label("expected median")
            .legend(|(x, y)| {
                DashedPathElement::new(vec![(x, y), (x + 20, y)], 5, 3, BLACK.stroke_width(2))
            });
        let obs: Vec<(f64, f64)> = self
            .poi_values
            .iter()
            .zip(&self.cls_obs)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (*x, *y))
            .collect();
        chart
            .draw_series(LineSeries::new(obs.clone(), BLACK.stroke_width(2)))?
            .label("observed")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart.draw_series(obs.iter().map(|p| Circle::new(*p, 3, BLACK.filled())))?;
        info.items = obs.len();
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, self.level), (x1, self.level)],
                RED.stroke_width(2),
            )))?
            .label(format!("CLs = {}", fmt_num(self.level)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));

        // Limits: vertical lines and markers where they cross the test size.
        let mut mark = |label: &str, x: f64, dashed: bool| -> Result<(), PlotError> {
            if !x.is_finite() || x < x0 || x > x1 {
                return Ok(());
            }
            if dashed {
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x, 0.0), (x, self.level)],
                    5,
                    4,
                    BLUE.stroke_width(2),
                )))?;
            } else {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, self.level)],
                    BLUE.stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (x, self.level),
                5,
                BLUE.filled(),
            )))?;
            info.markers.push(Marker {
                label: label.into(),
                data: (x, self.level),
                pixel: chart.backend_coord(&(x, self.level)),
            });
            Ok(())
        };
        mark("observed limit", self.obs_limit, false)?;
        mark("expected limit", self.exp_limits[2], true)?;
        info.notes.push(format!(
            "observed limit {}, expected {} [{}, {}]",
            fmt_num(self.obs_limit),
            fmt_num(self.exp_limits[2]),
            fmt_num(self.exp_limits[1]),
            fmt_num(self.exp_limits[3])
        ));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()?;
        root.draw(&Text::new(
            format!(
                "obs. limit {}   exp. limit {} (+{} / −{})",
                fmt_num(self.obs_limit),
                fmt_num(self.exp_limits[2]),
                fmt_num(self.exp_limits[3] - self.exp_limits[2]),
                fmt_num(self.exp_limits[2] - self.exp_limits[1])
            ),
            (pr.start + 10, py.start + 8),
            ("sans-serif", 16),
        ))?;
        Ok(info)
    }
}
