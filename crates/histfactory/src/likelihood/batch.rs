//! Many parameter points at once, in parallel with rayon: each worker keeps its own scratch
//! buffers, so the per-point loop does not allocate (beyond the returned gradients).

use super::eval::{self, Dataset, Scratch};
use crate::model::{Model, ModelError};
use rayon::prelude::*;

/// logpdf and gradient at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct GridPoint {
    /// logpdf.
    pub logpdf: f64,
    /// Gradient with respect to all parameters.
    pub grad: Vec<f64>,
}

/// logpdf and the two gradient components over a grid of two parameters, the others held.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Grid2d {
    /// Index of the parameter on the x axis.
    pub x_index: usize,
    /// Index of the parameter on the y axis.
    pub y_index: usize,
    /// Grid values of x.
    pub xs: Vec<f64>,
    /// Grid values of y.
    pub ys: Vec<f64>,
    /// logpdf, row-major: `values[iy * xs.len() + ix]`.
    pub values: Vec<f64>,
    /// d logpdf / dx, same layout.
    pub grad_x: Vec<f64>,
    /// d logpdf / dy, same layout.
    pub grad_y: Vec<f64>,
}

impl Model {
    fn check_points(&self, points: &[Vec<f64>]) -> Result<(), ModelError> {
        points.iter().try_for_each(|p| self.check_pars(p))
    }

    /// logpdf at many points (in parallel).
    pub fn logpdf_batch(&self, points: &[Vec<f64>], data: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_points(points)?;
        let ds = self.dataset(data)?;
        Ok(points
            .par_iter()
            .map_init(
                || Scratch::new(self),
                |s, p| eval::logpdf(self, &ds, p, None, s),
            )
            .collect())
    }

    /// logpdf and its gradient at many points (in parallel), pyhf+JAX's
    /// `jax.vmap(jax.value_and_grad(logpdf))`.
    pub fn logpdf_and_grad_batch(
        &self,
        points: &[Vec<f64>],
        data: &[f64],
    ) -> Result<Vec<GridPoint>, ModelError> {
        self.check_points(points)?;
        let ds = self.dataset(data)?;
        Ok(points
            .par_iter()
            .map_init(
                || Scratch::new(self),
                |s, p| {
                    let mut grad = vec![0.0; self.n_pars()];
                    let logpdf = eval::logpdf(self, &ds, p, Some(&mut grad), s);
                    GridPoint { logpdf, grad }
                },
            )
            .collect())
    }

    /// logpdf and gradient over the grid `xs × ys` of parameters `x_index` and `y_index`,
    /// every other parameter held at its value in `base` (the seed's gradient map).
    ///
    /// ```
    /// use histfactory::model::simple::uncorrelated_background;
    /// let model = uncorrelated_background(&[5.0], &[10.0], &[3.5])?;
    /// let data = model.data_with_auxdata(&[15.0])?;
    /// let xs: Vec<f64> = (0..101).map(|i| 0.5 + i as f64 / 100.0).collect();
    /// let grid = model.grid_2d(&data, &model.suggested_init(), 0, 1, &xs, &xs)?;
    /// assert_eq!(grid.values.len(), 101 * 101);
    /// # Ok::<(), histfactory::Error>(())
    /// ```
    pub fn grid_2d(
        &self,
        data: &[f64],
        base: &[f64],
        x_index: usize,
        y_index: usize,
        xs: &[f64],
        ys: &[f64],
    ) -> Result<Grid2d, ModelError> {
        self.check_pars(base)?;
        for i in [x_index, y_index] {
            if i >= self.n_pars() {
                return Err(ModelError::Length {
                    what: "grid parameter index (must be below the number of parameters)",
                    expected: self.n_pars(),
                    found: i,
                });
            }
        }
        let ds: Dataset = self.dataset(data)?;
        let nx = xs.len();
        let results: Vec<(f64, f64, f64)> = (0..nx * ys.len())
            .into_par_iter()
            // Points of a small model cost tens of nanoseconds; without a minimum batch,
            // rayon's per-item splitting costs more than the evaluations (the seed model's
            // grid was slower than JAX's vmap). 64 points per task is invisible on large
            // models and still leaves 160 tasks for balancing.
            .with_min_len(64)
            .map_init(
                || (Scratch::new(self), base.to_vec(), vec![0.0; self.n_pars()]),
                |(s, p, g), k| {
                    p[x_index] = xs[k % nx];
                    p[y_index] = ys[k / nx];
                    g.iter_mut().for_each(|v| *v = 0.0);
                    let v = eval::logpdf(self, &ds, p, Some(g), s);
                    (v, g[x_index], g[y_index])
                },
            )
            .collect();
        Ok(Grid2d {
            x_index,
            y_index,
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            values: results.iter().map(|r| r.0).collect(),
            grad_x: results.iter().map(|r| r.1).collect(),
            grad_y: results.iter().map(|r| r.2).collect(),
        })
    }
}
