//! Renders every figure as PNG and SVG and checks the reported numbers and errors.
mod common;

use std::path::Path;
use std::time::Instant;

use common::tmp;
use histfactory_plot as hp;
use hp::{OutputFormat, PlotError, RenderInfo};

/// The file exists and, for PNG, is a non-trivial image.
fn check_file(path: &Path, info: &RenderInfo) {
    let meta = std::fs::metadata(path).expect("output file exists");
    match info.format {
        OutputFormat::Png => assert!(meta.len() > 5_000, "PNG too small: {}", meta.len()),
        OutputFormat::Svg => {
            let s = std::fs::read_to_string(path).expect("read svg");
            assert!(s.starts_with("<svg"));
            // Text is converted to outline paths: no font needed to view it.
            assert!(!s.contains("<text"), "SVG still contains <text>");
            assert!(s.contains("<path d=\"M"));
        }
    }
}

/// Renders `f` to both formats, checking files; returns the PNG info.
fn both(name: &str, f: impl Fn(&Path) -> Result<RenderInfo, PlotError>) -> RenderInfo {
    let png = tmp(&format!("{name}.png"));
    let info = f(&png).expect("render png");
    assert_eq!(info.format, OutputFormat::Png);
    check_file(&png, &info);
    let svg = tmp(&format!("{name}.svg"));
    let sinfo = f(&svg).expect("render svg");
    assert_eq!(sinfo.format, OutputFormat::Svg);
    check_file(&svg, &sinfo);
    // Same layout in both backends.
    assert_eq!(info.markers, sinfo.markers);
    assert_eq!(info.plot_area, sinfo.plot_area);
    info
}

fn px_of(info: &RenderInfo, (x, y): (f64, f64)) -> (f64, f64) {
    let ((l, t), (r, b)) = info.plot_area;
    let (x0, x1) = info.x_range;
    let (y0, y1) = info.y_range;
    (
        l as f64 + (x - x0) / (x1 - x0) * (r - l) as f64,
        b as f64 - (y - y0) / (y1 - y0) * (b - t) as f64,
    )
}

#[test]
fn gradient_map_gaussian() {
    let fig = common::gauss_map(101, 11);
    let info = both("grad", |p| hp::gradient_map(&fig, p));
    assert_eq!(info.size, (900, 800));
    assert_eq!(info.filled_levels, 100);
    assert!(info.filled_polygons >= 50, "{}", info.filled_polygons);
    assert_eq!(info.contour_lines, 20);
    assert_eq!(info.arrows, 121);
    assert_eq!(info.skipped_values, 0);
    // Best fit dot is where the fit result is, in data and pixel space.
    let bf = &info.markers[0];
    assert_eq!(bf.label, "best fit");
    assert_eq!(bf.data, (1.0, 1.0));
    let (ex, ey) = px_of(&info, (1.0, 1.0));
    assert!((bf.pixel.0 as f64 - ex).abs() <= 1.5 && (bf.pixel.1 as f64 - ey).abs() <= 1.5);
    // Square plotting area.
    let ((l, t), (r, b)) = info.plot_area;
    assert!(((r - l) - (b - t)).abs() <= 4, "{:?}", info.plot_area);
    // Colour bar covers the grid's value range: max 0 at the centre.
    let (lo, hi) = info.colorbar_range.expect("colour bar");
    let vmin = fig.values.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((hi - 0.0).abs() < 1e-12 && (lo - vmin).abs() < 1e-12);
    let scale = info.arrow_scale.expect("arrow scale");
    assert_eq!(scale.mode, hp::ArrowScaling::Log);
    assert!(scale.max_length_px > 10.0 && scale.max_length_px < 70.0);
    assert!(info.notes[0].contains("ln(1 + |∇|/g₀)"));
}

#[test]
fn gradient_map_wide_range_nonfinite_and_linear() {
    // logL = -inf at the (0, 0) corner; gradients span orders of magnitude.
    let mut fig = common::poisson_map(101, 11);
    fig.arrows.push(hp::Arrow {
        x: 1.0,
        y: 1.0,
        dx: f64::NAN,
        dy: 0.0,
    });
    let finite = fig
        .arrows
        .iter()
        .filter(|a| [a.x, a.y, a.dx, a.dy].iter().all(|v| v.is_finite()))
        .count();
    assert_eq!(finite, 120, "the (0, 0) arrow has an infinite gradient");
    let info = both("grad_full", |p| hp::gradient_map(&fig, p));
    assert_eq!(info.skipped_values, 1);
    assert_eq!(info.arrows, finite, "non-finite arrows skipped");
    fig.arrow_scaling = hp::ArrowScaling::Linear;
    fig.values[500] = f64::NAN;
    fig.values[501] = f64::INFINITY;
    let info = hp::gradient_map(&fig, &tmp("grad_lin.png")).expect("render");
    assert_eq!(info.skipped_values, 3);
    assert_eq!(
        info.arrow_scale.expect("scale").mode,
        hp::ArrowScaling::Linear
    );
}

#[test]
fn gradient_map_constant_grid_and_uneven_axes() {
    let mut fig = common::gauss_map(21, 5);
    fig.values.iter_mut().for_each(|v| *v = 3.0);
    fig.arrows.iter_mut().for_each(|a| {
        a.dx = 0.0;
        a.dy = 0.0;
    });
    fig.x_label = String::new();
    let info = hp::gradient_map(&fig, &tmp("grad_const.png")).expect("constant grid");
    assert_eq!(info.colorbar_range, Some((2.5, 3.5)));
    assert_eq!(info.arrows, 25);
    // Unevenly spaced grid is accepted.
    let mut fig = common::gauss_map(11, 3);
    fig.xs = fig.xs.iter().map(|x| 0.5 + (x - 0.5) * (x - 0.5)).collect();
    hp::gradient_map(&fig, &tmp("grad_uneven.png")).expect("uneven grid");
}

#[test]
fn gradient_map_errors() {
    let good = common::gauss_map(11, 3);
    let mut bad = good.clone();
    bad.values.pop();
    assert!(matches!(
        hp::gradient_map(&bad, &tmp("e1.png")),
        Err(PlotError::LengthMismatch { .. })
    ));
    let mut bad = good.clone();
    bad.values.iter_mut().for_each(|v| *v = f64::NAN);
    assert!(matches!(
        hp::gradient_map(&bad, &tmp("e2.png")),
        Err(PlotError::Invalid(_))
    ));
    let mut bad = good.clone();
    bad.xs.reverse();
    assert!(matches!(
        hp::gradient_map(&bad, &tmp("e3.png")),
        Err(PlotError::Invalid(_))
    ));
    let bad = hp::GradientMap::default();
    assert!(hp::gradient_map(&bad, &tmp("e4.png")).is_err());
    assert!(matches!(
        hp::gradient_map(&good, &tmp("e5.jpg")),
        Err(PlotError::UnsupportedExtension(_))
    ));
    assert!(matches!(
        hp::gradient_map(&good, &tmp("noext")),
        Err(PlotError::UnsupportedExtension(_))
    ));
    // Unwritable location is an error, not a panic.
    assert!(hp::gradient_map(&good, Path::new("/nonexistent-dir/x/grad.svg")).is_err());
}

#[test]
fn gradient_map_in_memory_svg() {
    let (svg, info) = hp::gradient_map_svg(&common::gauss_map(31, 5)).expect("svg");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<title>μ</title>") && svg.contains("<title>θ</title>"));
    assert_eq!(info.format, OutputFormat::Svg);
}

#[test]
fn gradient_map_is_fast() {
    // Debug-profile budget is generous; release is far below a second.
    let fig = common::gauss_map(101, 11);
    let t = Instant::now();
    hp::gradient_map(&fig, &tmp("grad_speed.png")).expect("render");
    eprintln!("101x101 gradient map, 100 levels: {:?}", t.elapsed());
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
}

#[test]
fn brazil_band() {
    let fig = common::brazil();
    let info = both("brazil", |p| hp::brazil_band(&fig, p));
    assert_eq!(info.items, 31);
    let obs = info
        .markers
        .iter()
        .find(|m| m.label == "observed limit")
        .expect("obs");
    assert_eq!(obs.data, (fig.obs_limit, 0.05));
    let exp = info
        .markers
        .iter()
        .find(|m| m.label == "expected limit")
        .expect("exp");
    assert_eq!(exp.data.0, fig.exp_limits[2]);
    let mut bad = fig.clone();
    bad.cls_exp.pop();
    assert!(matches!(
        hp::brazil_band(&bad, &tmp("b.png")),
        Err(PlotError::LengthMismatch { .. })
    ));
    let mut bad = fig.clone();
    bad.level = f64::NAN;
    assert!(matches!(
        hp::brazil_band(&bad, &tmp("b.png")),
        Err(PlotError::Invalid(_))
    ));
    let mut nan = fig;
    nan.cls_obs[3] = f64::NAN;
    assert_eq!(
        hp::brazil_band(&nan, &tmp("b2.png")).expect("nan ok").items,
        30
    );
}

#[test]
fn scan_plot() {
    let fig = common::scan_plot();
    let info = both("scan", |p| hp::scan(&fig, p));
    assert_eq!(info.items, 41);
    assert_eq!(info.markers[0].data, (0.8, 0.0));
    let mut bad = fig.clone();
    bad.values.clear();
    bad.delta_twice_nll.clear();
    assert!(matches!(
        hp::scan(&bad, &tmp("s.png")),
        Err(PlotError::Empty(_))
    ));
    let mut bad = fig;
    bad.delta_twice_nll.push(1.0);
    assert!(hp::scan(&bad, &tmp("s.png")).is_err());
}

#[test]
fn pulls_plot() {
    let fig = common::pulls_fig(12);
    let info = both("pulls", |p| hp::pulls(&fig, p));
    assert_eq!(info.items, 12);
    let mut bad = fig.clone();
    bad.constraints.pop();
    assert!(hp::pulls(&bad, &tmp("p.png")).is_err());
    let mut nan = fig;
    nan.pulls[0] = f64::NAN;
    assert_eq!(
        hp::pulls(&nan, &tmp("p2.png")).expect("ok").skipped_values,
        1
    );
}

#[test]
fn correlation_plot() {
    let info = both("corr", |p| {
        hp::correlations(&common::correlations_fig(8), p)
    });
    assert_eq!(info.items, 64);
    assert_eq!(info.colorbar_range, Some((-1.0, 1.0)));
    // Large matrices render without cell text.
    let info = hp::correlations(&common::correlations_fig(40), &tmp("corr40.png")).expect("big");
    assert_eq!(info.items, 1600);
    let mut bad = common::correlations_fig(3);
    bad.matrix.pop();
    assert!(hp::correlations(&bad, &tmp("c.png")).is_err());
}

#[test]
fn ranking_plot() {
    let fig = common::ranking_fig(25);
    let info = both("ranking", |p| hp::ranking(&fig, p));
    assert_eq!(info.items, 15, "top-N only");
    let mut all = fig.clone();
    all.max_entries = 0;
    assert_eq!(
        hp::ranking(&all, &tmp("rank_all.png")).expect("ok").items,
        25
    );
    let mut bad = fig;
    bad.pull_errors.pop();
    assert!(hp::ranking(&bad, &tmp("r.png")).is_err());
}

#[test]
fn yields_plots() {
    let one = common::yields_fig("SR", 10);
    let info = both("yields", |p| hp::yields(&one, p));
    assert_eq!(info.items, 10);
    let chans = vec![
        one.clone(),
        common::yields_fig("CR", 5),
        common::yields_fig("VR", 3),
    ];
    let info = both("yields_grid", |p| hp::yields_grid(&chans, p));
    assert_eq!(info.panels, 3);
    assert_eq!(info.items, 18);
    assert_eq!(info.size, (1200, 900));
    let mut no_edges = one.clone();
    no_edges.bin_edges.clear();
    hp::yields(&no_edges, &tmp("y_noedges.png")).expect("bin count only");
    let mut bad = one.clone();
    bad.samples[0].1.pop();
    assert!(matches!(
        hp::yields(&bad, &tmp("y.png")),
        Err(PlotError::LengthMismatch { .. })
    ));
    assert!(matches!(
        hp::yields_grid(&[], &tmp("y.png")),
        Err(PlotError::Empty(_))
    ));
}
