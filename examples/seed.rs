//! The seed workflow, end to end: build the model, data = observations + auxdata, logpdf,
//! the maximum-likelihood fit, logpdf and its gradient over a 101×101 grid of (mu, theta)
//! in parallel, and the two gradient-map figures (PNG, plus SVG of the first).
//!
//! Run with `cargo run --release -p histfactory-plot --example seed -- [OUT_DIR]`.

use histfactory::fit::{fit, FitOptions, FitResult};
use histfactory::model::simple::uncorrelated_background;
use histfactory::model::Model;
use histfactory::report::{self, GradientMapOptions};
use histfactory_plot::{gradient_map, GradientMap};
use std::path::Path;

/// The seed's gradient map over [lo, hi]²: logpdf on 101×101 points, arrows on 11×11,
/// the other parameters at the best fit (here there are none), labelled μ and θ.
fn figure(
    model: &Model,
    data: &[f64],
    result: &FitResult,
    lo: f64,
    hi: f64,
) -> Result<GradientMap, Box<dyn std::error::Error>> {
    let opts = GradientMapOptions {
        x: model.par_names()[0].clone(),
        y: model.par_names()[1].clone(),
        x_range: Some((lo, hi)),
        y_range: Some((lo, hi)),
        ..Default::default()
    };
    let map = report::gradient_map(model, data, result, &opts)?;
    Ok(GradientMap {
        x_label: "μ".into(),
        y_label: "θ".into(),
        title: Some("logpdf and its gradient, uncorrelated_background(5, 10, 3.5)".into()),
        ..GradientMap::from(&map)
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    // 1. the model
    let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
    // 2. data = observations + auxdata; logpdf exactly as pyhf
    let data = model.data_with_auxdata(&[15.0])?;
    let init = model.suggested_init();
    println!("par_names  {:?}", model.par_names());
    println!("data       {data:?}");
    println!("logpdf     {:.12} at {init:?}", model.logpdf(&init, &data)?);
    // 3. the maximum-likelihood fit
    let t = std::time::Instant::now();
    let result = fit(&model, &data, &FitOptions::default())?;
    println!(
        "fit        ({:.3} ms)\n{result}",
        t.elapsed().as_secs_f64() * 1e3
    );
    if !result.converged {
        return Err(format!("the fit did not converge: {}", result.status).into());
    }
    // 4. value and gradient over 101×101 points, 5. the gradient maps
    for (name, lo, hi) in [("MLE_grad_map", 0.5, 1.5), ("MLE_grad_map_full", 0.0, 5.0)] {
        let t = std::time::Instant::now();
        let fig = figure(&model, &data, &result, lo, hi)?;
        let grid_ms = t.elapsed().as_secs_f64() * 1e3;
        let path = out.join(format!("{name}.png"));
        let info = gradient_map(&fig, &path)?;
        println!(
            "{}  grid {:.2} ms, total {:.1} ms, {} arrows",
            path.display(),
            grid_ms,
            t.elapsed().as_secs_f64() * 1e3,
            info.arrows
        );
        if name == "MLE_grad_map" {
            gradient_map(&fig, &out.join(format!("{name}.svg")))?;
        }
    }
    Ok(())
}
