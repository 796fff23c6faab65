//! The seed workflow, end to end: build the model, data = observations + auxdata, logpdf,
//! the maximum-likelihood fit, logpdf and its gradient over a 101×101 grid of (mu, theta),
//! and the gradient-map figures.
//!
//! Run with `cargo run --release -p histfactory-plot --example seed [OUT_DIR]`.

use histfactory::model::simple::uncorrelated_background;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. the model
    let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
    // 2. data = observations + auxdata; logpdf exactly as pyhf
    let data = model.data_with_auxdata(&[15.0])?;
    let init = model.suggested_init();
    println!("par_names  {:?}", model.par_names());
    println!("data       {data:?}");
    println!("logpdf     {:.12} at {init:?}", model.logpdf(&init, &data)?);
    // 4. logpdf and gradient over a 101x101 grid, in parallel
    let axis: Vec<f64> = (0..101).map(|i| 0.5 + i as f64 * 0.01).collect();
    let t = std::time::Instant::now();
    let grid = model.grid_2d(&data, &init, 0, 1, &axis, &axis)?;
    println!(
        "grid       {} points in {:.2} ms",
        grid.values.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
