//! Ranking (impact) plot: nuisance parameters ordered by their impact on the POI.

use histfactory::report::{Impact, RankingReport};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::common::{check_len, check_nonempty, draw_row_names, fmt_num};
use crate::{figure_fns, Figure, PlotError, RenderInfo};

/// Input for [`ranking`]: impacts ΔPOI of each nuisance parameter.
///
/// Parameters are sorted by post-fit impact max(|up|, |down|) (largest on
/// top) and the first `max_entries` are shown. Bars (bottom axis, ΔPOI):
/// pre-fit impacts as hollow outlines, post-fit impacts filled (blue for the
/// +1σ variation, teal for −1σ). Pulls (θ̂−θ₀)/Δθ with their errors are black
/// points on the secondary (top) axis, range [−2, 2] or wider if needed.
/// Non-finite impacts are drawn as zero-length bars; non-finite pulls are
/// skipped. Height grows with the number of rows (30 px each).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Parameter names.
    pub names: Vec<String>,
    /// POI shift for the pre-fit +1σ variation.
    pub prefit_up: Vec<f64>,
    /// POI shift for the pre-fit −1σ variation.
    pub prefit_down: Vec<f64>,
    /// POI shift for the post-fit +1σ variation.
    pub postfit_up: Vec<f64>,
    /// POI shift for the post-fit −1σ variation.
    pub postfit_down: Vec<f64>,
    /// Pulls (θ̂−θ₀)/Δθ.
    pub pulls: Vec<f64>,
    /// Post-fit errors of the pulls.
    pub pull_errors: Vec<f64>,
    /// POI name used in the axis label.
    pub poi_name: String,
    /// Number of rows to show (0 = all).
    pub max_entries: usize,
}

figure_fns!(Ranking, ranking, ranking_svg, "a ranking (impact) plot");

impl From<&RankingReport> for Ranking {
    /// Every impact of a [`RankingReport`] (it is already cut to its `top_n`).
    fn from(r: &RankingReport) -> Self {
        let col = |f: fn(&Impact) -> f64| r.impacts.iter().map(f).collect::<Vec<_>>();
        Ranking {
            names: r.impacts.iter().map(|i| i.name.clone()).collect(),
            prefit_up: col(|i| i.prefit_up),
            prefit_down: col(|i| i.prefit_down),
            postfit_up: col(|i| i.postfit_up),
            postfit_down: col(|i| i.postfit_down),
            pulls: col(|i| i.pull),
            pull_errors: col(|i| i.pull_error),
            poi_name: r.poi.clone(),
            max_entries: 0,
        }
    }
}

impl Ranking {
    fn shown(&self) -> usize {
        let n = self.names.len();
        if self.max_entries == 0 {
            n
        } else {
            n.min(self.max_entries)
        }
    }

    /// Indices sorted by post-fit impact, largest first (NaN counts as 0).
    fn order(&self) -> Vec<usize> {
        let impact = |i: usize| {
            let f = |v: f64| if v.is_finite() { v.abs() } else { 0.0 };
            f(self.postfit_up[i]).max(f(self.postfit_down[i]))
        };
        let mut idx: Vec<usize> = (0..self.names.len()).collect();
        idx.sort_by(|&a, &b| impact(b).total_cmp(&impact(a)));
        idx.truncate(self.shown());
        idx
    }
}

impl Figure for Ranking {
    fn size(&self) -> (u32, u32) {
        (900, 200 + 30 * self.shown().max(1) as u32)
    }

    fn validate(&self) -> Result<(), PlotError> {
        let n = self.names.len();
        check_nonempty("names", n)?;
        check_len("prefit_up", n, self.prefit_up.len())?;
        check_len("prefit_down", n, self.prefit_down.len())?;
        check_len("postfit_up", n, self.postfit_up.len())?;
        check_len("postfit_down", n, self.postfit_down.len())?;
        check_len("pulls", n, self.pulls.len())?;
        check_len("pull_errors", n, self.pull_errors.len())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<RenderInfo, PlotError>
    where
        DB::ErrorType: 'static,
    {
        let mut info = RenderInfo::default();
        let order = self.order();
        let m = order.len();
        let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
        let imax = order
            .iter()
            .flat_map(|&i| {
                [
                    self.prefit_up[i],
                    self.prefit_down[i],
                    self.postfit_up[i],
                    self.postfit_down[i],
                ]
            })
            .map(|v| fin(v).abs())
            .fold(0.0f64, f64::max);
        let imax = if imax > 0.0 { imax * 1.15 } else { 1.0 };
        let pmax = order
            .iter()
            .filter(|&&i| self.pulls[i].is_finite())
            .map(|&i| self.pulls[i].abs() + fin(self.pull_errors[i]).abs())
            .fold(2.0f64, f64::max)
            .min(10.0)
            * 1.1;
        let y = (-0.5, m as f64 - 0.5);
        root.fill(&WHITE)?;
        let longest = self
            .names
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1) as u32;
        let mut chart = ChartBuilder::on(root)
            .margin(20)
            .margin_bottom(50)
            .x_label_area_size(50)
            .top_x_label_area_size(50)
            .y_label_area_size((longest * 9 + 20).clamp(60, 360))
            .build_cartesian_2d(-imax..imax, y.0..y.1)?
            .set_secondary_coord(-pmax..pmax, y.0..y.1);
        let poi = if self.poi_name.is_empty() {
            "μ"
        } else {
            &self.poi_name
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(WHITE)
            .x_desc(format!("Δ{poi}"))
            .axis_desc_style(("sans-serif", 20))
            .label_style(("sans-serif", 15))
            // Ticks at 0 can come out as ±1e-17 from floating-point steps.
            .x_label_formatter(&|v| fmt_num(if v.abs() < 1e-9 * imax { 0.0 } else { *v }))
            .draw()?;
        chart
            .configure_secondary_axes()
            .x_desc("pull (θ − θ₀) / Δθ")
            .axis_desc_style(("sans-serif", 20))
            .label_style(("sans-serif", 15))
            .x_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = (-imax, imax);
        info.y_range = y;
        info.items = m;

        let up = RGBColor(31, 119, 180);
        let down = RGBColor(23, 190, 207);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, y.0), (0.0, y.1)],
            BLACK.stroke_width(1),
        )))?;
        for (row, &i) in order.iter().enumerate() {
            // Largest impact on top.
            let yc = (m - 1 - row) as f64;
            let bar = |v: f64, half: f64, style: ShapeStyle| {
                Rectangle::new([(0.0, yc - half), (fin(v), yc + half)], style)
            };
            chart.draw_series([
                bar(self.prefit_up[i], 0.35, up.stroke_width(2)),
                bar(self.prefit_down[i], 0.35, down.stroke_width(2)),
                bar(self.postfit_up[i], 0.25, up.mix(0.85).filled()),
                bar(self.postfit_down[i], 0.25, down.mix(0.85).filled()),
            ])?;
            let (p, e) = (self.pulls[i], self.pull_errors[i]);
            if p.is_finite() {
                if e.is_finite() {
                    chart.draw_secondary_series(std::iter::once(ErrorBar::new_horizontal(
                        yc,
                        p - e.abs(),
                        p,
                        p + e.abs(),
                        BLACK.stroke_width(2),
                        6,
                    )))?;
                }
                chart.draw_secondary_series(std::iter::once(Circle::new(
                    (p, yc),
                    4,
                    BLACK.filled(),
                )))?;
            } else {
                info.skipped_values += 1;
            }
        }
        let rows = order
            .iter()
            .enumerate()
            .map(|(row, &i)| {
                (
                    self.names[i].clone(),
                    chart.backend_coord(&(0.0, (m - 1 - row) as f64)).1,
                )
            })
            .collect::<Vec<_>>();
        draw_row_names(root, rows, pr.start - 8, 15.0)?;

        // Legend, drawn by hand below the plot so it never covers bars.
        let ly = py.end + 50 + 14;
        let items: [(&str, ShapeStyle); 4] = [
            ("pre-fit +1σ", up.stroke_width(2)),
            ("pre-fit −1σ", down.stroke_width(2)),
            ("post-fit +1σ", up.mix(0.85).filled()),
            ("post-fit −1σ", down.mix(0.85).filled()),
        ];
        for (k, (label, style)) in items.into_iter().enumerate() {
            let lx = pr.start + 150 * k as i32;
            root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 12)], style))?;
            root.draw(&Text::new(label, (lx + 28, ly - 1), ("sans-serif", 15)))?;
        }
        Ok(info)
    }
}
