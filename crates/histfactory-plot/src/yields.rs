//! Yields: stacked sample histograms with data and an uncertainty band.

use histfactory::report::ChannelYields;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::common::{check_len, check_nonempty, fmt_num};
use crate::{figure_fns, Figure, PlotError, RenderInfo};

/// Sample colours (matplotlib's tab10), cycled.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Input for [`yields`] / [`yields_grid`]: one channel's yields.
///
/// Samples are stacked in the given order (first at the bottom); the total
/// uncertainty is a grey, hatched band around the stack top; data are black
/// points with √n error bars. The panel title is "`channel_name` (`label`)".
/// Non-finite yields count as 0 (and are counted in `skipped_values`).
#[derive(Debug, Clone, PartialEq)]
pub struct Yields {
    /// Channel name (panel title).
    pub channel_name: String,
    /// Bin edges (nbins + 1, increasing); empty means bins 0, 1, …, nbins.
    pub bin_edges: Vec<f64>,
    /// Stacked samples: (name, yield per bin).
    pub samples: Vec<(String, Vec<f64>)>,
    /// Total uncertainty (absolute) per bin on the stacked yield.
    pub total_uncertainty: Vec<f64>,
    /// Observed counts per bin.
    pub data: Vec<f64>,
    /// "pre-fit" or "post-fit" (shown in the title).
    pub label: String,
}

figure_fns!(Yields, yields, yields_svg, "one channel's stacked yields");

impl From<&ChannelYields> for Yields {
    /// One channel of a [`YieldsReport`](histfactory::report::YieldsReport), its bins
    /// numbered 0, 1, … (the workspace has no bin edges), titled with its stage.
    fn from(c: &ChannelYields) -> Self {
        Yields {
            channel_name: c.channel.clone(),
            bin_edges: Vec::new(),
            samples: c
                .samples
                .iter()
                .map(|s| (s.name.clone(), s.yields.clone()))
                .collect(),
            total_uncertainty: c.total_uncertainty.clone(),
            data: c.data.clone(),
            label: c.stage.label().to_string(),
        }
    }
}

/// Several channels rendered as a grid of panels (600×450 px each), `columns` per row
/// (`None`: ⌈√n⌉).
struct YieldsGrid<'a>(&'a [Yields], Option<usize>);

/// Renders several channels as a grid of panels into one figure at `path`
/// (`.png` or `.svg`), ⌈√n⌉ panels per row, 600×450 px per panel.
pub fn yields_grid(channels: &[Yields], path: &std::path::Path) -> Result<RenderInfo, PlotError> {
    crate::render_to_path(&YieldsGrid(channels, None), path)
}

/// Like [`yields_grid`] with `columns` panels per row (at least 1), e.g. 2 to put each
/// channel's pre-fit and post-fit panels side by side.
pub fn yields_grid_columns(
    channels: &[Yields],
    columns: usize,
    path: &std::path::Path,
) -> Result<RenderInfo, PlotError> {
    crate::render_to_path(&YieldsGrid(channels, Some(columns)), path)
}

/// Renders several channels as a grid of panels into an SVG string.
pub fn yields_grid_svg(channels: &[Yields]) -> Result<(String, RenderInfo), PlotError> {
    crate::render_svg(&YieldsGrid(channels, None))
}

fn grid_shape(n: usize, columns: Option<usize>) -> (usize, usize) {
    let cols = columns
        .unwrap_or_else(|| (n as f64).sqrt().ceil() as usize)
        .clamp(1, n.max(1));
    (cols, n.div_ceil(cols).max(1))
}

impl Figure for YieldsGrid<'_> {
    fn size(&self) -> (u32, u32) {
        let (c, r) = grid_shape(self.0.len(), self.1);
        (600 * c as u32, 450 * r as u32)
    }

    fn validate(&self) -> Result<(), PlotError> {
        check_nonempty("channels", self.0.len())?;
        if self.1 == Some(0) {
            return Err(PlotError::Invalid(
                "a yields grid needs at least 1 column".into(),
            ));
        }
        self.0.iter().try_for_each(Figure::validate)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<RenderInfo, PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (c, r) = grid_shape(self.0.len(), self.1);
        root.fill(&WHITE)?;
        let panels = root.split_evenly((r, c));
        let mut info = RenderInfo::default();
        for (y, panel) in self.0.iter().zip(panels.iter()) {
            let pi = y.draw(panel)?;
            info.items += pi.items;
            info.skipped_values += pi.skipped_values;
            info.panels += 1;
        }
        Ok(info)
    }
}

impl Yields {
    fn nbins(&self) -> usize {
        self.data.len()
    }

    fn edges(&self) -> Vec<f64> {
        if self.bin_edges.is_empty() {
            (0..=self.nbins()).map(|i| i as f64).collect()
        } else {
            self.bin_edges.clone()
        }
    }
}

impl Figure for Yields {
    fn size(&self) -> (u32, u32) {
        (700, 520)
    }

    fn validate(&self) -> Result<(), PlotError> {
        let n = self.nbins();
        check_nonempty(&format!("data of channel {}", self.channel_name), n)?;
        if !self.bin_edges.is_empty() {
            check_len("bin_edges (nbins + 1)", n + 1, self.bin_edges.len())?;
            if self.bin_edges.iter().any(|e| !e.is_finite())
                || self.bin_edges.windows(2).any(|w| w[1] <= w[0])
            {
                return Err(PlotError::Invalid(
                    "bin_edges must be finite and strictly increasing".into(),
                ));
            }
        }
        check_len("total_uncertainty", n, self.total_uncertainty.len())?;
        for (name, v) in &self.samples {
            check_len(&format!("sample {name}"), n, v.len())?;
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
        let n = self.nbins();
        let edges = self.edges();
        let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
        info.skipped_values = self
            .samples
            .iter()
            .flat_map(|(_, v)| v.iter())
            .chain(&self.data)
            .chain(&self.total_uncertainty)
            .filter(|v| !v.is_finite())
            .count();
        // Cumulative stack per bin: stack[s][b] is the top of sample s.
        let mut stack: Vec<Vec<f64>> = Vec::with_capacity(self.samples.len());
        let mut acc = vec![0.0; n];
        for (_, v) in &self.samples {
            for (a, x) in acc.iter_mut().zip(v) {
                *a += fin(*x);
            }
            stack.push(acc.clone());
        }
        let total = acc;
        let ymax = (0..n)
            .map(|b| {
                let d = fin(self.data[b]);
                (total[b] + fin(self.total_uncertainty[b]).abs()).max(d + d.max(0.0).sqrt())
            })
            .fold(0.0f64, f64::max);
        // Head room for the legend.
        let ymax = if ymax > 0.0 { ymax * 1.35 } else { 1.0 };
        let (x0, x1) = (edges[0], edges[n]);

        root.fill(&WHITE)?;
        let title = if self.label.is_empty() {
            self.channel_name.clone()
        } else {
            format!("{} ({})", self.channel_name, self.label)
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d(x0..x1, 0.0..ymax)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("bin")
            .y_desc("events")
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", 14))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let (pr, py) = chart.plotting_area().get_pixel_range();
        info.plot_area = ((pr.start, py.start), (pr.end, py.end));
        info.x_range = (x0, x1);
        info.y_range = (0.0, ymax);

        for (s, (name, _)) in self.samples.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let bottom = if s == 0 {
                vec![0.0; n]
            } else {
                stack[s - 1].clone()
            };
            let top = stack[s].clone();
            chart
                .draw_series((0..n).map(|b| {
                    Rectangle::new(
                        [(edges[b], bottom[b]), (edges[b + 1], top[b])],
                        color.filled(),
                    )
                }))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled())
                });
        }

        // Uncertainty band: translucent grey plus diagonal hatching drawn in
        // pixel space, clipped to each bin's band rectangle.
        let mut band_rects = Vec::new();
        for b in 0..n {
            let u = fin(self.total_uncertainty[b]).abs();
            if u == 0.0 {
                continue;
            }
            let lo = (total[b] - u).max(0.0);
            let hi = (total[b] + u).min(ymax);
            band_rects.push((
                chart.backend_coord(&(edges[b], hi)),
                chart.backend_coord(&(edges[b + 1], lo)),
            ));
        }
        chart
            .draw_series(
                (0..n)
                    .filter(|&b| fin(self.total_uncertainty[b]) != 0.0)
                    .map(|b| {
                        let u = fin(self.total_uncertainty[b]).abs();
                        Rectangle::new(
                            [
                                (edges[b], (total[b] - u).max(0.0)),
                                (edges[b + 1], (total[b] + u).min(ymax)),
                            ],
                            BLACK.mix(0.2).filled(),
                        )
                    }),
            )?
            .label("total uncertainty")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 18, y + 6)], BLACK.mix(0.3).filled())
            });
        // backend_coord is absolute; this panel may be offset inside a grid.
        let (bx, by) = root.get_base_pixel();
        for ((l, t), (r, btm)) in band_rects {
            for seg in hatch_segments(l - bx, t - by, r - bx, btm - by, 8) {
                root.draw(&PathElement::new(
                    seg.to_vec(),
                    BLACK.mix(0.6).stroke_width(1),
                ))?;
            }
        }
        // Stack outline so bins are readable.
        let outline: Vec<(f64, f64)> = (0..n)
            .flat_map(|b| [(edges[b], total[b]), (edges[b + 1], total[b])])
            .collect();
        chart.draw_series(std::iter::once(PathElement::new(
            outline,
            BLACK.stroke_width(1),
        )))?;

        let pts: Vec<(f64, f64, f64)> = (0..n)
            .filter(|&b| self.data[b].is_finite())
            .map(|b| {
                let d = self.data[b];
                (0.5 * (edges[b] + edges[b + 1]), d, d.max(0.0).sqrt())
            })
            .collect();
        chart.draw_series(pts.iter().map(|&(x, d, e)| {
            ErrorBar::new_vertical(x, (d - e).max(0.0), d, d + e, BLACK.stroke_width(2), 0)
        }))?;
        chart
            .draw_series(
                pts.iter()
                    .map(|&(x, d, _)| Circle::new((x, d), 4, BLACK.filled())),
            )?
            .label("data")
            .legend(|(x, y)| Circle::new((x + 9, y), 4, BLACK.filled()));
        info.items = n;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()?;
        Ok(info)
    }
}

/// 45° hatch segments (spacing `step` px) clipped to the pixel rectangle
/// with corners (l, t) and (r, b).
fn hatch_segments(l: i32, t: i32, r: i32, b: i32, step: i32) -> Vec<[(i32, i32); 2]> {
    let (l, r) = (l.min(r), l.max(r));
    let (t, b) = (t.min(b), t.max(b));
    let mut out = Vec::new();
    if r - l < 2 || b - t < 2 {
        return out;
    }
    // Lines x - y = c, i.e. rising to the right on screen (y grows downwards: x + y = c).
    let mut c = l + t + step;
    while c < r + b {
        // Intersect x + y = c with the rectangle.
        let xa = (c - b).max(l);
        let xb = (c - t).min(r);
        if xa < xb {
            out.push([(xa, c - xa), (xb, c - xb)]);
        }
        c += step;
    }
    out
}
