//! The compiled model as a Python object: construction from a pyhf model spec,
//! the parameter table as plain Python values, and single and batched evaluation.
//!
//! `histfactory.Model` (Python) wraps one [`CompiledModel`] and adds pyhf's conventions
//! (1-element `logpdf` arrays, `model.config`); the methods here take and return NumPy
//! arrays of `float64` and check shapes, raising `InvalidPdfParameters` /
//! `InvalidPdfData` with the expected and found lengths.

use crate::errors::{json_err, model_err, InvalidInterpCode, InvalidPdfParameters};
use histfactory::model::{
    Constraint, HistoSysCode, Model, ModelBuilder, ModelError, ModelOptions, NormSysCode,
};
use histfactory::spec::{SpecError, Workspace};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CompiledModel>()
}

/// A HistFactory model compiled once into flat arrays; evaluation never touches strings.
///
/// Build it with `CompiledModel.from_model_spec`.
/// Parameter vectors follow `par_names`; data vectors are the main counts (channels in
/// sorted order) followed by the auxiliary data.
#[pyclass(module = "histfactory._core", frozen)]
pub(crate) struct CompiledModel {
    // Shared so that a GIL-free batch call can hold the model while Python goes on.
    model: Arc<Model>,
}

/// Interpolation codes and clipping, from the Python keywords.
fn options(
    normsys: &str,
    histosys: &str,
    clip_sample: Option<f64>,
    clip_bin: Option<f64>,
) -> PyResult<ModelOptions> {
    let normsys_code: NormSysCode = normsys.parse().map_err(InvalidInterpCode::new_err)?;
    let histosys_code: HistoSysCode = histosys.parse().map_err(InvalidInterpCode::new_err)?;
    Ok(ModelOptions {
        normsys_code,
        histosys_code,
        clip_sample,
        clip_bin,
    })
}

/// pyhf's `poi_name`: a name, or `None` for a model without a POI.
fn with_poi(builder: ModelBuilder<'_>, poi: Option<String>) -> ModelBuilder<'_> {
    match poi {
        Some(name) => builder.poi(name),
        None => builder.no_poi(),
    }
}

/// A pyhf model spec (`{"channels": [...], "parameters": [...]}`) as a workspace the
/// library can validate: one measurement carrying the parameter configs, and an all-zero
/// observation per channel (a model has no data of its own; the observation only
/// satisfies the workspace schema and is never used).
fn model_spec_as_workspace(spec: &Value) -> Value {
    let channels = spec.get("channels").cloned().unwrap_or(Value::Null);
    let observations: Vec<Value> = channels
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    let name = c.get("name")?.clone();
                    let nbins = c.get("samples")?.get(0)?.get("data")?.as_array()?.len();
                    Some(json!({"name": name, "data": vec![0.0; nbins]}))
                })
                .collect()
        })
        .unwrap_or_default();
    let parameters = spec.get("parameters").cloned().unwrap_or(json!([]));
    json!({
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "model", "config": {"poi": "", "parameters": parameters}}],
        "version": "1.0.0",
    })
}

/// Paths in errors about the synthesised workspace, put back into the model spec's terms.
fn model_spec_error(e: SpecError) -> SpecError {
    match e {
        SpecError::Invalid { path, message } => SpecError::Invalid {
            path: path.replacen("measurements[0].config.parameters", "parameters", 1),
            message,
        },
        other => other,
    }
}

fn parse_json(text: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(json_err)
}

impl CompiledModel {
    fn check_pars_len(&self, n: usize) -> PyResult<()> {
        if n != self.model.n_pars() {
            return Err(InvalidPdfParameters::new_err(format!(
                "parameters: expected {} values, found {n}",
                self.model.n_pars()
            )));
        }
        Ok(())
    }

    /// The rows of a `(n_points, n_pars)` array, copied out so the GIL can be released.
    fn points(&self, points: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<Vec<f64>>> {
        let view = points.as_array();
        self.check_pars_len(view.ncols())?;
        Ok(view.rows().into_iter().map(|r| r.to_vec()).collect())
    }
}

#[pymethods]
impl CompiledModel {
    /// Compiles a model from pyhf model-spec JSON text (`{"channels": [...],
    /// "parameters": [...]}`), as `pyhf.Model(spec, poi_name=...)`.
    #[staticmethod]
    #[pyo3(signature = (spec_json, poi=None, normsys="code4", histosys="code4p", clip_sample=None, clip_bin=None))]
    fn from_model_spec(
        py: Python<'_>,
        spec_json: &str,
        poi: Option<String>,
        normsys: &str,
        histosys: &str,
        clip_sample: Option<f64>,
        clip_bin: Option<f64>,
    ) -> PyResult<Self> {
        let options = options(normsys, histosys, clip_sample, clip_bin)?;
        let spec = parse_json(spec_json)?;
        let model = py.allow_threads(|| build_from_model_spec(&spec, poi, options))?;
        Ok(CompiledModel {
            model: Arc::new(model),
        })
    }

    /// Number of parameters.
    #[getter]
    fn npars(&self) -> usize {
        self.model.n_pars()
    }

    /// Number of main bins (all channels).
    #[getter]
    fn nmaindata(&self) -> usize {
        self.model.n_main()
    }

    /// Number of auxiliary data.
    #[getter]
    fn nauxdata(&self) -> usize {
        self.model.n_aux()
    }

    /// The model's parameter table and layout as plain Python values: `par_order`,
    /// `par_names`, `suggested_init`, `suggested_bounds`, `suggested_fixed`, `poi_name`,
    /// `poi_index`, `channels`, `channel_nbins` (a list of pairs), `samples`, `auxdata`
    /// and `parameter_sets` (one dict per set, in `par_order`).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = &self.model;
        let d = PyDict::new(py);
        d.set_item("par_order", m.par_order())?;
        d.set_item("par_names", m.par_names())?;
        d.set_item("suggested_init", m.suggested_init())?;
        let bounds: Vec<(f64, f64)> = m.suggested_bounds().iter().map(|b| (b[0], b[1])).collect();
        d.set_item("suggested_bounds", bounds)?;
        d.set_item("suggested_fixed", m.suggested_fixed())?;
        d.set_item("poi_name", m.poi_name())?;
        d.set_item("poi_index", m.poi_index())?;
        let channels: Vec<&str> = m.channels().iter().map(|c| c.name.as_str()).collect();
        d.set_item("channels", channels)?;
        d.set_item("channel_nbins", m.channel_nbins())?;
        d.set_item("samples", m.samples())?;
        d.set_item("auxdata", m.auxdata())?;
        let sets = PyList::empty(py);
        for p in m.parameter_sets() {
            let s = PyDict::new(py);
            s.set_item("name", &p.name)?;
            s.set_item("kind", p.kind.as_str())?;
            s.set_item("n_parameters", p.n_pars)?;
            s.set_item("offset", p.offset)?;
            s.set_item("is_scalar", p.is_scalar)?;
            s.set_item("suggested_init", &p.inits)?;
            let b: Vec<(f64, f64)> = p.bounds.iter().map(|b| (b[0], b[1])).collect();
            s.set_item("suggested_bounds", b)?;
            s.set_item("suggested_fixed", &p.fixed)?;
            match &p.constraint {
                Constraint::None => s.set_item("constraint", py.None())?,
                Constraint::Normal { auxdata, sigmas } => {
                    s.set_item("constraint", "normal")?;
                    s.set_item("auxdata", auxdata)?;
                    s.set_item("sigmas", sigmas)?;
                }
                Constraint::Poisson { auxdata, factors } => {
                    s.set_item("constraint", "poisson")?;
                    s.set_item("auxdata", auxdata)?;
                    s.set_item("factors", factors)?;
                }
            }
            s.set_item("width", p.widths())?;
            sets.append(s)?;
        }
        d.set_item("parameter_sets", sets)?;
        Ok(d)
    }

    /// `log L(pars | data)` as a float (pyhf's `model.logpdf(pars, data)[0]`).
    fn logpdf(
        &self,
        pars: PyReadonlyArray1<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<f64> {
        self.model
            .logpdf(pars.as_slice()?, data.as_slice()?)
            .map_err(model_err)
    }

    /// `(logpdf, gradient with respect to the parameters)` at one point, in one pass.
    fn value_and_grad<'py>(
        &self,
        py: Python<'py>,
        pars: PyReadonlyArray1<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<(f64, Bound<'py, PyArray1<f64>>)> {
        let (v, g) = self
            .model
            .logpdf_and_grad(pars.as_slice()?, data.as_slice()?)
            .map_err(model_err)?;
        Ok((v, PyArray1::from_vec(py, g)))
    }

    /// The exact Hessian of `logpdf` with respect to the parameters, `(npars, npars)`.
    fn hessian<'py>(
        &self,
        py: Python<'py>,
        pars: PyReadonlyArray1<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let pars = pars.as_slice()?.to_vec();
        let data = data.as_slice()?.to_vec();
        let model = Arc::clone(&self.model);
        let h = py
            .allow_threads(move || model.logpdf_hessian(&pars, &data))
            .map_err(model_err)?;
        let n = self.model.n_pars();
        let rows: Vec<Vec<f64>> = h.chunks(n.max(1)).map(<[f64]>::to_vec).collect();
        Ok(PyArray2::from_vec2(py, &rows)?)
    }

    /// logpdf at each row of `points` (`(n_points, npars)`), in parallel without the GIL.
    fn logpdf_batch<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let points = self.points(&points)?;
        let data = data.as_slice()?.to_vec();
        let model = Arc::clone(&self.model);
        let values = py
            .allow_threads(move || model.logpdf_batch(&points, &data))
            .map_err(model_err)?;
        Ok(PyArray1::from_vec(py, values))
    }

    /// `(values, gradients)` at each row of `points`: shapes `(n_points,)` and
    /// `(n_points, npars)`, in parallel without the GIL.
    #[allow(clippy::type_complexity)]
    fn value_and_grad_batch<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>)> {
        let n_points = points.as_array().nrows();
        let points = self.points(&points)?;
        let data = data.as_slice()?.to_vec();
        let model = Arc::clone(&self.model);
        let npars = model.n_pars();
        let (values, grads) = py
            .allow_threads(move || {
                model.logpdf_and_grad_batch(&points, &data).map(|out| {
                    let mut values = Vec::with_capacity(out.len());
                    let mut grads = Vec::with_capacity(out.len() * npars);
                    for p in out {
                        values.push(p.logpdf);
                        grads.extend_from_slice(&p.grad);
                    }
                    (values, grads)
                })
            })
            .map_err(model_err)?;
        let grads = PyArray1::from_vec(py, grads).reshape([n_points, npars])?;
        Ok((PyArray1::from_vec(py, values), grads))
    }

    /// Expected main rates and, if `include_auxdata`, the expected auxiliary data.
    #[pyo3(signature = (pars, include_auxdata=true))]
    fn expected_data<'py>(
        &self,
        py: Python<'py>,
        pars: PyReadonlyArray1<'_, f64>,
        include_auxdata: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let out = self
            .model
            .expected_data(pars.as_slice()?, include_auxdata)
            .map_err(model_err)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Expected auxiliary data at `pars`.
    fn expected_auxdata<'py>(
        &self,
        py: Python<'py>,
        pars: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let out = self
            .model
            .expected_auxdata(pars.as_slice()?)
            .map_err(model_err)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Expected rates per sample, `(n_samples, n_main_bins)` with samples in `samples`
    /// order (a sample absent from a channel contributes zeros there).
    fn expected_by_sample<'py>(
        &self,
        py: Python<'py>,
        pars: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = &self.model;
        let blocks = m.expected_by_sample(pars.as_slice()?).map_err(model_err)?;
        let mut rows = vec![vec![0.0; m.n_main()]; m.samples().len()];
        for (channel, sample, rates) in blocks {
            let c = m.channels().iter().find(|c| c.name == channel);
            let s = m.samples().iter().position(|s| *s == sample);
            if let (Some(c), Some(s)) = (c, s) {
                rows[s][c.offset..c.offset + rates.len()].copy_from_slice(&rates);
            }
        }
        Ok(PyArray2::from_vec2(py, &rows)?)
    }
}

fn build_from_model_spec(
    spec: &Value,
    poi: Option<String>,
    options: ModelOptions,
) -> Result<Model, PyErr> {
    let ws = Workspace::from_value(&model_spec_as_workspace(spec))
        .map_err(|e| model_err(ModelError::Spec(model_spec_error(e))))?;
    with_poi(ModelBuilder::new(&ws), poi)
        .options(options)
        .build()
        .map_err(model_err)
}
