//! Many parameter points at once, in parallel with rayon: each worker keeps its own scratch
//! buffers, so the per-point loop does not allocate (beyond the returned gradients).

use super::eval::{self, Dataset, Scratch};
use super::points::{kink_region, Points};
use crate::model::{Model, ModelError, Scalar};
use rayon::prelude::*;
use std::sync::Mutex;

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
        let npts = nx * ys.len();
        let (mut values, mut grad_x, mut grad_y) =
            (vec![0.0; npts], vec![0.0; npts], vec![0.0; npts]);
        // Bundles of points in one pass (see `points`), unless clipping's branches could
        // differ between them.
        let bundle = self.options.clip_sample.is_none() && self.options.clip_bin.is_none();
        // Each value's kink region, once: bundling decisions per point are then lookups.
        let (rx, ry): (Vec<u8>, Vec<u8>) = (
            xs.iter().map(|&x| kink_region(x)).collect(),
            ys.iter().map(|&y| kink_region(y)).collect(),
        );
        let grid = GridSpec {
            x_index,
            y_index,
            xs,
            ys,
            rx,
            ry,
        };
        // Chunks are claimed one at a time by the calling thread and by helpers from the
        // pool, rather than handed to rayon's splitting: the seed model's whole grid takes
        // a few hundred microseconds, comparable to waking pool threads on a busy machine,
        // so the calling thread starts at once and a helper that wakes late finds less (or
        // nothing) left to do instead of holding up its share.
        let chunks = Mutex::new(
            values
                .chunks_mut(GRID_CHUNK)
                .zip(grad_x.chunks_mut(GRID_CHUNK))
                .zip(grad_y.chunks_mut(GRID_CHUNK))
                .enumerate(),
        );
        let work = || {
            let mut w = GridWorker::new(self, base, bundle);
            loop {
                let next = chunks.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((ci, ((v, gx), gy))) = next else {
                    break;
                };
                w.chunk(self, &ds, &grid, ci * GRID_CHUNK, v, gx, gy);
            }
        };
        let helpers = rayon::current_num_threads()
            .min(npts.div_ceil(GRID_CHUNK))
            .saturating_sub(1);
        rayon::in_place_scope(|sc| {
            for _ in 0..helpers {
                sc.spawn(|_| work());
            }
            work();
        });
        Ok(Grid2d {
            x_index,
            y_index,
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            values,
            grad_x,
            grad_y,
        })
    }
}

/// Points per bundle in [`Model::grid_2d`].
const LANES: usize = 8;

/// Points per parallel task of [`Model::grid_2d`]: a point of a small model costs a few
/// tens of nanoseconds, so per-point tasks would cost more than the evaluations (the seed
/// model's grid was slower than JAX's vmap); 256 points (about 5 µs on the seed model,
/// 3 ms on 1Lbb) leave 40 tasks for balancing on a 101 x 101 grid.
const GRID_CHUNK: usize = 256;

/// One worker's buffers for [`Model::grid_2d`]: parameter vector, gradient, scratch, for
/// single points and for bundles.
struct GridWorker {
    s: Scratch<f64>,
    p: Vec<f64>,
    g: Vec<f64>,
    bundle: Option<Bundle>,
}

struct Bundle {
    s: Scratch<Points<LANES>>,
    p: Vec<Points<LANES>>,
    g: Vec<Points<LANES>>,
}

/// The grid being evaluated, with each axis value's kink region.
struct GridSpec<'a> {
    x_index: usize,
    y_index: usize,
    xs: &'a [f64],
    ys: &'a [f64],
    rx: Vec<u8>,
    ry: Vec<u8>,
}

impl GridWorker {
    /// Points `first..first + v.len()` of the grid (row-major) into `v`, `gx`, `gy`.
    #[allow(clippy::too_many_arguments)]
    fn chunk(
        &mut self,
        model: &Model,
        ds: &Dataset,
        grid: &GridSpec,
        first: usize,
        v: &mut [f64],
        gx: &mut [f64],
        gy: &mut [f64],
    ) {
        let GridSpec {
            x_index,
            y_index,
            xs,
            ys,
            rx,
            ry,
        } = grid;
        let (x_index, y_index, nx) = (*x_index, *y_index, xs.len());
        // Grid indices walked incrementally: a division per point showed in profiles of
        // the seed model's grid.
        let (mut ix, mut iy) = (first % nx, first / nx);
        let step = |(ix, iy): (usize, usize)| {
            if ix + 1 == nx {
                (0, iy + 1)
            } else {
                (ix + 1, iy)
            }
        };
        let mut j = 0;
        while j < v.len() {
            if let Some(b) = self.bundle.as_mut().filter(|_| j + LANES <= v.len()) {
                let mut at = [(ix, iy); LANES];
                for l in 1..LANES {
                    at[l] = step(at[l - 1]);
                }
                if at.iter().all(|&(i, k)| rx[i] == rx[ix] && ry[k] == ry[iy]) {
                    let (mut px, mut py) = ([0.0; LANES], [0.0; LANES]);
                    for (l, &(i, k)) in at.iter().enumerate() {
                        (px[l], py[l]) = (xs[i], ys[k]);
                    }
                    b.p[x_index] = Points(px);
                    b.p[y_index] = Points(py);
                    b.g.iter_mut().for_each(|g| *g = Points::cst(0.0));
                    let val = eval::logpdf(model, ds, &b.p, Some(&mut b.g), &mut b.s);
                    v[j..j + LANES].copy_from_slice(&val.0);
                    gx[j..j + LANES].copy_from_slice(&b.g[x_index].0);
                    gy[j..j + LANES].copy_from_slice(&b.g[y_index].0);
                    j += LANES;
                    (ix, iy) = step(at[LANES - 1]);
                    continue;
                }
            }
            self.p[x_index] = xs[ix];
            self.p[y_index] = ys[iy];
            self.g.iter_mut().for_each(|g| *g = 0.0);
            v[j] = eval::logpdf(model, ds, &self.p, Some(&mut self.g), &mut self.s);
            gx[j] = self.g[x_index];
            gy[j] = self.g[y_index];
            j += 1;
            (ix, iy) = step((ix, iy));
        }
    }

    fn new(model: &Model, base: &[f64], bundle: bool) -> Self {
        GridWorker {
            s: Scratch::new(model),
            p: base.to_vec(),
            g: vec![0.0; base.len()],
            bundle: bundle.then(|| Bundle {
                s: Scratch::new(model),
                p: base.iter().map(|&x| Points::cst(x)).collect(),
                g: vec![Points::cst(0.0); base.len()],
            }),
        }
    }
}
