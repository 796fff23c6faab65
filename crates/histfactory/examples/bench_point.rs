//! The histfactory side of `bench/compare`: a small timing server.
//!
//! It reads commands from standard input, one a line, and answers each with one line of
//! JSON on standard output, so the Python driver can interleave our timings with pyhf's
//! and nextstat's in the same run without paying a process start per measurement:
//!
//! - `load PATH` — reads the workspace JSON text into memory, builds the model once;
//!   answers `{"ok":true,"n_pars":..,"n_main":..,"compiled_bytes":..}`.
//! - `time OP REPS` — runs `OP` `REPS` times and answers
//!   `{"op":OP,"times":[seconds,...]}`, or `{"op":OP,"error":"not available"}`.
//! - `quit`.
//!
//! Operations: `build` (parse the JSON text and compile the model), `logpdf` and
//! `value_and_grad` (the allocation-free objective that fits use), `grid` (the 101×101
//! value-and-gradient grid over the POI and the first other parameter), `hessian` (the
//! exact Hessian a fit ends with, its scratch kept between calls as in a fit), `fit` (free
//! fit with default options), `hypotest`, `upper_limit`, `toys` (see [`infer_op`]).
//!
//! `cargo run --release -p histfactory --example bench_point`
#![allow(clippy::unwrap_used)]

// The CLI's allocator, so that the comparison times what `histfactory` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use histfactory::fit::{fit, FitOptions};
use histfactory::infer::{
    hypotest, upper_limit, CalcType, HypotestOptions, ToyOptions, UpperLimitOptions,
};
use histfactory::likelihood::TwiceNll;
use histfactory::model::{Model, ModelBuilder};
use histfactory::optim::Objective;
use histfactory::spec::Workspace;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

struct Loaded {
    text: String,
    model: Model,
    data: Vec<f64>,
}

fn build(text: &str) -> Result<Model, String> {
    let ws = Workspace::from_str(text).map_err(|e| e.to_string())?;
    ModelBuilder::new(&ws).build().map_err(|e| e.to_string())
}

/// The inference rows, as `bench/compare` runs them in pyhf and nextstat: a hypotest at
/// mu = 1 with qtilde (asymptotics), the observed and expected upper limits at 95% CL by
/// TOMS 748, and a toy-based hypotest at mu = 1 with 1,000 toys per hypothesis.
fn infer_op<'a>(op: &str, l: &'a Loaded) -> Option<Box<dyn FnMut() -> Result<(), String> + 'a>> {
    let (model, data) = (&l.model, l.data.as_slice());
    match op {
        "hypotest" => Some(Box::new(move || {
            let opts = HypotestOptions::default();
            black_box(hypotest(model, data, 1.0, &opts).map_err(|e| e.to_string())?);
            Ok(())
        })),
        "upper_limit" => Some(Box::new(move || {
            let opts = UpperLimitOptions::default();
            black_box(upper_limit(model, data, &opts).map_err(|e| e.to_string())?);
            Ok(())
        })),
        "toys" => Some(Box::new(move || {
            let opts = HypotestOptions {
                calculator: CalcType::Toys(ToyOptions {
                    ntoys: 1000,
                    ..Default::default()
                }),
                ..Default::default()
            };
            black_box(hypotest(model, data, 1.0, &opts).map_err(|e| e.to_string())?);
            Ok(())
        })),
        _ => None,
    }
}

fn time_op(l: &Loaded, op: &str, reps: usize) -> Result<Vec<f64>, String> {
    let model = &l.model;
    let pars = model.suggested_init();
    let n = model.n_pars();
    let mut times = Vec::with_capacity(reps);
    let mut run = |f: &mut dyn FnMut()| {
        for _ in 0..reps {
            let t = Instant::now();
            f();
            times.push(t.elapsed().as_secs_f64());
        }
    };
    match op {
        "build" => run(&mut || {
            black_box(build(black_box(&l.text)).unwrap());
        }),
        "logpdf" => {
            let mut obj = TwiceNll::new(model, &l.data).map_err(|e| e.to_string())?;
            // Many calls per sample: one call is below the clock's resolution.
            let inner = 200;
            run(&mut || {
                for _ in 0..inner {
                    black_box(obj.value(black_box(&pars)));
                }
            });
            times.iter_mut().for_each(|t| *t /= inner as f64);
        }
        "value_and_grad" => {
            let mut obj = TwiceNll::new(model, &l.data).map_err(|e| e.to_string())?;
            let mut grad = vec![0.0; n];
            let inner = 200;
            run(&mut || {
                for _ in 0..inner {
                    black_box(obj.value_and_grad(black_box(&pars), &mut grad));
                }
            });
            times.iter_mut().for_each(|t| *t /= inner as f64);
        }
        "grid" => {
            let poi = model.poi_index().unwrap_or(0);
            let other = if poi == 0 { 1.min(n - 1) } else { 0 };
            let axis: Vec<f64> = (0..101).map(|i| 0.5 + i as f64 * 0.01).collect();
            run(&mut || {
                black_box(
                    model
                        .grid_2d(&l.data, &pars, poi, other, &axis, &axis)
                        .unwrap(),
                );
            })
        }
        "hessian" => {
            let mut obj = TwiceNll::new(model, &l.data).map_err(|e| e.to_string())?;
            let mut hess = vec![0.0; n * n];
            run(&mut || {
                obj.hessian(black_box(&pars), &mut hess);
                black_box(&hess);
            })
        }
        "fit" => {
            let opts = FitOptions::default();
            run(&mut || {
                let _ = black_box(fit(model, &l.data, &opts).unwrap());
            })
        }
        other => match infer_op(other, l) {
            Some(mut f) => {
                // A failed inference (no bracket, say) is reported, not timed.
                let mut failed = None;
                run(&mut || {
                    if let Err(e) = f() {
                        failed.get_or_insert(e);
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            None => return Err("not available".into()),
        },
    }
    Ok(times)
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut loaded: Option<Loaded> = None;
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["load", path] => {
                let text = std::fs::read_to_string(path);
                match text.map_err(|e| e.to_string()).and_then(|text| {
                    let model = build(&text)?;
                    let data = model.observed_data().map_err(|e| e.to_string())?;
                    Ok(Loaded { text, model, data })
                }) {
                    Ok(l) => {
                        let a = serde_json::json!({
                            "ok": true,
                            "n_pars": l.model.n_pars(),
                            "n_main": l.model.n_main(),
                            "compiled_bytes": l.model.compiled_bytes(),
                        });
                        loaded = Some(l);
                        a
                    }
                    Err(e) => serde_json::json!({"ok": false, "error": e}),
                }
            }
            ["time", op, reps] => match &loaded {
                None => serde_json::json!({"op": op, "error": "no workspace loaded"}),
                Some(l) => match time_op(l, op, reps.parse().unwrap_or(1)) {
                    Ok(times) => serde_json::json!({"op": op, "times": times}),
                    Err(e) => serde_json::json!({"op": op, "error": e}),
                },
            },
            ["quit"] => break,
            _ => serde_json::json!({"error": format!("unknown command {line:?}")}),
        };
        writeln!(out, "{answer}").unwrap();
        out.flush().unwrap();
    }
}
