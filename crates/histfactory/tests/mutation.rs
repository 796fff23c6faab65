#![allow(clippy::unwrap_used)]
//! Mutated workspaces (issue 17): documents derived from the fixtures by random type swaps,
//! deletions, extreme numbers and grafted subtrees, each read by both readers and, where it
//! is a workspace, built and evaluated. Asserted for every one: no panic; the fast typed
//! reader (`Workspace::from_str`) and the reader that words errors
//! (`Workspace::from_value`) agree, on the workspace or on the error message; a model that
//! builds evaluates `logpdf` equal, bit for bit, to the value of `logpdf_and_grad`, and a
//! finite logpdf comes with a finite gradient. A fixed seed and a time budget keep the run
//! reproducible and short.

mod common;

use histfactory::model::ModelBuilder;
use histfactory::spec::Workspace;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Wall-clock budget of the whole test (the issue allows 60 s in CI).
const BUDGET: Duration = Duration::from_secs(20);
/// At most this many mutated documents.
const MAX_DOCS: usize = 4000;

/// Numbers a careless or hostile document might carry.
const EXTREMES: [f64; 10] = [
    0.0,
    -0.0,
    -1.0,
    1e308,
    -1e308,
    5e-324,
    2.2250738585072014e-308,
    1e-300,
    1e12,
    0.5,
];

/// Paths (as index/key sequences) of every node of `v`.
fn nodes(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(path.clone());
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(json!(i));
                nodes(x, path, out);
                path.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                path.push(json!(k));
                nodes(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        Value::String(s) => &mut v[s.as_str()],
        _ => unreachable!(),
    })
}

fn get<'a>(v: &'a Value, path: &[Value]) -> &'a Value {
    path.iter().fold(v, |v, k| match k {
        Value::Number(i) => &v[i.as_u64().unwrap() as usize],
        Value::String(s) => &v[s.as_str()],
        _ => unreachable!(),
    })
}

/// One random mutation of `doc`, in place.
fn mutate(doc: &mut Value, rng: &mut ChaCha8Rng) {
    let mut all = Vec::new();
    nodes(doc, &mut Vec::new(), &mut all);
    let path = all[rng.gen_range(0..all.len())].clone();
    let graft = get(doc, &all[rng.gen_range(0..all.len())]).clone();
    let node = get_mut(doc, &path);
    match rng.gen_range(0..7) {
        // An extreme number where any value was.
        0 | 1 => *node = json!(EXTREMES[rng.gen_range(0..EXTREMES.len())]),
        // A different JSON type.
        2 => {
            *node = match node.take() {
                Value::Object(o) => Value::Array(o.into_iter().map(|(_, v)| v).collect()),
                Value::Array(a) => a.into_iter().next().unwrap_or(Value::Null),
                Value::Number(n) => Value::String(n.to_string()),
                Value::String(s) => json!({ s: null }),
                Value::Bool(b) => json!(b as u8),
                Value::Null => json!([]),
            }
        }
        // A deleted key or element.
        3 => match node {
            Value::Object(o) if !o.is_empty() => {
                let k = o.keys().nth(rng.gen_range(0..o.len())).unwrap().clone();
                o.remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(rng.gen_range(0..a.len()));
            }
            _ => *node = Value::Null,
        },
        // A subtree of the document grafted elsewhere.
        4 => *node = graft,
        // A duplicated element (names that must be unique, lengths that must agree).
        5 => {
            if let Value::Array(a) = node {
                if let Some(x) = a.first().cloned() {
                    a.push(x);
                }
            }
        }
        // Every number below this node scaled by an extreme factor.
        _ => {
            let f = [1e300, -1.0, 0.0, 1e-300][rng.gen_range(0..4)];
            scale(node, f);
        }
    }
}

fn scale(v: &mut Value, f: f64) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                let y = x * f;
                if y.is_finite() {
                    *v = json!(y);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scale(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| scale(x, f)),
        _ => {}
    }
}

/// The checks on one document; `Err` describes what failed.
fn check(doc: &Value) -> Result<(), String> {
    let text = serde_json::to_string(doc).unwrap();
    let fast = Workspace::from_str(&text);
    let worded = Workspace::from_value(doc);
    let ws = match (fast, worded) {
        (Ok(a), Ok(b)) if a == b => a,
        (Ok(_), Ok(_)) => return Err("the readers read different workspaces".into()),
        (Err(a), Err(b)) if a.to_string() == b.to_string() => return Ok(()),
        (a, b) => {
            return Err(format!(
                "the readers disagree: typed {:?}, worded {:?}",
                a.map(|_| "ok"),
                b.map(|_| "ok")
            ))
        }
    };
    let Ok(model) = ModelBuilder::new(&ws).build() else {
        return Ok(());
    };
    let data = match model.observed_data() {
        Ok(d) => d,
        Err(_) => return Ok(()),
    };
    let pars = model.suggested_init();
    let (Ok(v), Ok((v2, grad))) = (
        model.logpdf(&pars, &data),
        model.logpdf_and_grad(&pars, &data),
    ) else {
        return Err("logpdf or logpdf_and_grad failed on valid lengths".into());
    };
    if v.to_bits() != v2.to_bits() && !(v.is_nan() && v2.is_nan()) {
        return Err(format!("logpdf {v} but logpdf_and_grad {v2}"));
    }
    if v.is_finite() && grad.iter().any(|g| !g.is_finite()) {
        return Err(format!(
            "finite logpdf {v} with a non-finite gradient {grad:?}"
        ));
    }
    Ok(())
}

#[test]
fn mutated_fixtures_neither_panic_nor_split_the_readers_nor_the_evaluations() {
    let dir = common::fixtures().join("reference/workspaces");
    let seeds: Vec<Value> = ["seed_model.json", "synth_4x20x5_sys20.json"]
        .iter()
        .map(|f| common::read_json(&dir.join(f)))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let start = Instant::now();
    let mut docs = 0;
    while docs < MAX_DOCS && start.elapsed() < BUDGET {
        let mut doc = seeds[docs % seeds.len()].clone();
        for _ in 0..rng.gen_range(1..4) {
            mutate(&mut doc, &mut rng);
        }
        let outcome = std::panic::catch_unwind(|| check(&doc));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("{why}\ndocument: {}", serde_json::to_string(&doc).unwrap()),
            Err(_) => panic!("panicked on: {}", serde_json::to_string(&doc).unwrap()),
        }
        docs += 1;
    }
    assert!(docs >= 100, "only {docs} documents in the budget");
}
