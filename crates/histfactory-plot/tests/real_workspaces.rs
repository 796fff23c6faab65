//! Every figure rendered from the report of a real workspace in
//! `fixtures/reference/workspaces/`: the files exist, have the reported size, and show
//! what the report holds. The reports' numbers are tested in the library
//! (`crates/histfactory/tests/report_*.rs`). See issue 6.
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::tmp;
use histfactory::fit::{fit, FitOptions, FitResult};
use histfactory::model::{Model, ModelBuilder};
use histfactory::report;
use histfactory::spec::{ModifierKind, Workspace};
use histfactory_plot as hp;

fn workspace_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reference/workspaces")
        .join(name)
}

/// Model, observed data and the free fit of a reference workspace.
fn setup(name: &str) -> (Model, Vec<f64>, FitResult) {
    let ws = Workspace::from_path(&workspace_path(name)).expect("workspace parses");
    let model = ModelBuilder::new(&ws).build().expect("model builds");
    let data = model.observed_data().expect("observed data");
    let result = fit(&model, &data, &FitOptions::default()).expect("fit runs");
    assert!(result.converged, "{name}: {}", result.status);
    (model, data, result)
}

/// Width and height from a PNG header.
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).expect("png exists");
    assert_eq!(&b[1..4], b"PNG", "{} is not a PNG", path.display());
    let be = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
    (be(&b[16..20]), be(&b[20..24]))
}

/// The PNG exists, has the reported size and is not trivially small.
fn check_png(path: &Path, info: &hp::RenderInfo) {
    assert_eq!(png_size(path), info.size);
    let len = std::fs::metadata(path).expect("file exists").len();
    assert!(len > 5_000, "{}: only {len} bytes", path.display());
}

#[test]
fn gradient_map_of_the_seed_model_draws_the_fit_and_the_logpdf() {
    let t = Instant::now();
    let (model, data, result) = setup("seed_model.json");
    let opts = report::GradientMapOptions {
        x: model.par_names()[0].clone(),
        y: model.par_names()[1].clone(),
        x_range: Some((0.0, 5.0)),
        y_range: Some((0.0, 5.0)),
        ..Default::default()
    };
    let map = report::gradient_map(&model, &data, &result, &opts).expect("grid");
    let fig = hp::GradientMap::from(&map);
    assert_eq!(fig.values.len(), 101 * 101);
    assert_eq!(fig.arrows.len(), 11 * 11);
    assert_eq!(
        (fig.x_label.as_str(), fig.y_label.as_str()),
        ("mu", "uncorr_bkguncrt[0]")
    );
    let png = tmp("real_gradient_map.png");
    let info = hp::gradient_map(&fig, &png).expect("render");
    println!(
        "seed gradient map [0,5]², fit + 101×101 grid + PNG: {:.1} ms (debug/test profile)",
        t.elapsed().as_secs_f64() * 1e3
    );
    check_png(&png, &info);
    assert_eq!(info.size, (900, 800));
    // At gamma = 0 (the bottom row) the background rate vanishes and the gradient is not
    // finite: those 11 arrows are skipped.
    let finite = fig
        .arrows
        .iter()
        .filter(|a| a.dx.is_finite() && a.dy.is_finite())
        .count();
    assert_eq!(finite, 110);
    assert_eq!(info.arrows, finite);
    let dot = info
        .markers
        .iter()
        .find(|m| m.label == "best fit")
        .expect("best-fit marker");
    assert_eq!(dot.data, (result.bestfit[0], result.bestfit[1]));
}

#[test]
fn gradient_map_takes_any_two_parameters() {
    let (model, data, result) = setup("sbottom_RegionA_sbottom_1300_850_60.json");
    let poi = model.poi_index().expect("poi");
    let other = (0..model.n_pars())
        .find(|&i| model.parameter_kind(i) == Some(ModifierKind::NormSys))
        .expect("a normsys parameter");
    let opts = report::GradientMapOptions {
        x: model.par_names()[poi].clone(),
        y: model.par_names()[other].clone(),
        grid: 41,
        arrows: 7,
        ..Default::default()
    };
    let map = report::gradient_map(&model, &data, &result, &opts).expect("grid");
    let png = tmp("real_gradient_map_sbottom.png");
    let info = hp::gradient_map(&hp::GradientMap::from(&map), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.arrows, 49);
    assert_eq!(
        info.markers[0].data,
        (result.bestfit[poi], result.bestfit[other])
    );
}

#[test]
fn scan_of_the_poi_draws_every_point_and_the_best_fit() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let opts = report::ScanOptions {
        points: 9,
        ..Default::default()
    };
    let scan = report::scan(&model, &data, &result, &opts).expect("scan");
    let poi = model.poi_index().expect("poi");
    let png = tmp("real_scan.png");
    let info = hp::scan(&hp::ScanPlot::from(&scan), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 600));
    assert_eq!(info.items, 9);
    assert_eq!(info.markers[0].data.0, result.bestfit[poi]);
}

#[test]
fn pulls_draw_one_row_per_entry() {
    let (model, _data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let data = report::pulls(&model, &result, &Default::default()).expect("pulls");
    let fig = hp::Pulls::from(&data);
    assert_eq!(fig.names.len(), data.entries.len());
    for (k, e) in data.entries.iter().enumerate() {
        assert_eq!((fig.pulls[k], fig.constraints[k]), (e.pull, e.error));
    }
    let png = tmp("real_pulls.png");
    let info = hp::pulls(&fig, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 130 + 28 * data.entries.len() as u32));
    assert_eq!(info.items, data.entries.len());
}

#[test]
fn correlation_matrix_draws_every_cell() {
    let (model, _data, result) = setup("sbottom_RegionA_sbottom_1300_850_60.json");
    let all = report::correlations(&model, &result, &Default::default()).expect("corr");
    let top = report::correlations(
        &model,
        &result,
        &report::CorrelationOptions {
            top_n: Some(12),
            ..Default::default()
        },
    )
    .expect("corr");
    let png = tmp("real_correlations.png");
    let info = hp::correlations(&hp::Correlations::from(&top), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.items, 12 * 12);
    let png = tmp("real_correlations_all.png");
    let info = hp::correlations(&hp::Correlations::from(&all), &png).expect("render");
    check_png(&png, &info);
}

#[test]
fn ranking_draws_the_ranked_impacts() {
    // RegionC: the POI's best fit (0.75) is away from its bound, so impacts are two-sided.
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let ranking = report::ranking(
        &model,
        &data,
        &result,
        &report::RankingOptions { top_n: 10 },
    )
    .expect("ranking");
    let fig = hp::Ranking::from(&ranking);
    assert_eq!(fig.names.len(), ranking.impacts.len());
    assert_eq!(fig.poi_name, ranking.poi);
    let png = tmp("real_ranking.png");
    let info = hp::ranking(&fig, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.items, 10);
}

#[test]
fn yields_draw_prefit_and_postfit_side_by_side() {
    let (model, data, result) = setup("sbottom_RegionC_sbottom_1600_850_60.json");
    let y = report::yields(&model, &data, Some(&result), &[]).expect("yields");
    let panels: Vec<hp::Yields> = y
        .prefit
        .iter()
        .zip(&y.postfit)
        .flat_map(|(a, b)| [hp::Yields::from(a), hp::Yields::from(b)])
        .collect();
    assert_eq!(
        (panels[0].label.as_str(), panels[1].label.as_str()),
        ("pre-fit", "post-fit")
    );
    let png = tmp("real_yields.png");
    let info = hp::yields_grid_columns(&panels, 2, &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.panels, 6);
    // Pre-fit and post-fit side by side: 2 columns, 3 rows of 600×450 px.
    assert_eq!(info.size, (1200, 1350));
}

#[test]
fn brazil_band_of_sbottom_renders_the_root_search_band() {
    let ws = Workspace::from_path(&workspace_path("sbottom_RegionA_sbottom_1300_850_60.json"))
        .expect("workspace");
    let model = ModelBuilder::new(&ws).build().expect("model");
    let data = model.observed_data().expect("data");
    let opts = report::BrazilOptions {
        points: 21,
        ..Default::default()
    };
    let band = report::brazil(&model, &data, &opts).expect("band");
    let png = tmp("real_brazil.png");
    let info = hp::brazil_band(&hp::BrazilBand::from(&band), &png).expect("render");
    check_png(&png, &info);
    assert_eq!(info.size, (800, 600));
}

#[test]
fn brazil_band_on_a_grid_renders_as_svg() {
    let ws = Workspace::from_path(&workspace_path("sbottom_RegionA_sbottom_1300_850_60.json"))
        .expect("workspace");
    let model = ModelBuilder::new(&ws).build().expect("model");
    let data = model.observed_data().expect("data");
    let scan: Vec<f64> = (0..=12).map(|i| 0.125 * i as f64).collect();
    let opts = report::BrazilOptions {
        scan: Some(scan),
        ..Default::default()
    };
    let band = report::brazil(&model, &data, &opts).expect("band");
    let fig = hp::BrazilBand::from(&band);
    let svg = tmp("real_brazil.svg");
    let info = hp::brazil_band(&fig, &svg).expect("render svg");
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg") && text.len() > 5_000);
    let (string, _) = hp::brazil_band_svg(&fig).expect("svg string");
    assert_eq!((string.len(), info.size), (text.len(), (800, 600)));
}
