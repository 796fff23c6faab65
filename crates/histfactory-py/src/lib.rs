//! `histfactory._core`: the compiled half of the `histfactory` Python package.
//!
//! The Python package (`python/histfactory/`) gives pyhf 0.7.6's API; this module is the
//! thin front it calls into: a compiled model ([`model::CompiledModel`]) with single and
//! batched evaluation, the workspace operations of `histfactory::spec::ops` on JSON text,
//! and the exceptions every Rust error becomes ([`errors`]).
//!
//! Workspaces cross the boundary as JSON text, not as Python objects walked field by
//! field: `json.dumps` and `serde_json` round-trip floats exactly, the library already
//! validates JSON with paths in its messages, and a workspace is built once per model, so
//! the cost is off the hot path. Arrays cross as NumPy arrays (`numpy` crate); batched
//! calls release the GIL while rayon works.

mod errors;
mod model;
mod workspace;

use pyo3::prelude::*;

/// The extension module. Its Python name is `histfactory._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    model::register(m)?;
    workspace::register(m)?;
    Ok(())
}
