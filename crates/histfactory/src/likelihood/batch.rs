//! Many parameter points at once, in parallel with rayon: each worker keeps its own scratch
//! buffers, so the per-point loop does not allocate (beyond the returned gradients).

use super::eval::{self, Dataset, Scratch};
use super::kernels::points::{kink_region, Points};
use super::kernels::scalar::Scalar;
use crate::model::{Model, ModelError};
use crate::simd::dispatch;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    /// The kink region of every value of a grid axis for parameter `i`. Only the
    /// interpolation of normsys and histosys terms branches on a parameter's value, so
    /// any other parameter (a normfactor, a gamma) has a single region and never splits a
    /// bundle: on the seed model's grid (`mu` by `gamma`, through 1.0 on both axes) every
    /// point is then bundled.
    fn axis_regions(&self, i: usize, values: &[f64]) -> Vec<u8> {
        let interpolated =
            self.normsys.params().binary_search(&i).is_ok() || self.histo_params.contains(&i);
        values
            .iter()
            .map(|&v| if interpolated { kink_region(v) } else { 0 })
            .collect()
    }

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
        let npts = xs.len() * ys.len();
        let nchunks = npts.div_ceil(GRID_CHUNK);
        let helpers = rayon::current_num_threads().min(nchunks).saturating_sub(1);
        // Chunks are claimed one at a time by the calling thread and by helper tasks on
        // the pool, rather than handed to rayon's splitting: the seed model's whole grid
        // takes a couple of hundred microseconds, comparable to waking pool threads on a
        // busy machine. The calling thread starts at once, a helper that wakes late finds
        // less (or nothing) left to do, and the calling thread waits only for chunks in
        // progress, never for a helper to wake up (nor to be woken itself): the helpers
        // own their inputs (a copy of the model; negligible next to any grid worth a
        // helper), so they may outlive the call.
        let grid = GridSpec {
            x_index,
            y_index,
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            // Each value's kink region, once: bundling decisions are then lookups.
            rx: self.axis_regions(x_index, xs),
            ry: self.axis_regions(y_index, ys),
        };
        let out = if helpers == 0 {
            let shared = GridShared::new(Cow::Borrowed(self), ds, base, grid);
            shared.run();
            shared.finish(nchunks)
        } else {
            let shared = Arc::new(GridShared::new(Cow::Owned(self.clone()), ds, base, grid));
            for _ in 0..helpers {
                let sh = Arc::clone(&shared);
                rayon::spawn(move || {
                    // A detached task's panic would abort the process (rayon's default):
                    // hand it to the calling thread instead.
                    let run = std::panic::AssertUnwindSafe(|| sh.run());
                    if std::panic::catch_unwind(run).is_err() {
                        sh.panicked.store(true, Ordering::Release);
                    }
                });
            }
            shared.run();
            shared.finish(nchunks)
        };
        let [values, grad_x, grad_y] = out;
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

/// Everything the workers of one [`Model::grid_2d`] share.
struct GridShared<'m> {
    model: Cow<'m, Model>,
    ds: Dataset,
    base: Vec<f64>,
    /// Whether points may be bundled (see `points`): not where clipping's branches could
    /// differ between them.
    bundle: bool,
    /// Whether bundles are [`WIDE_LANES`] wide rather than [`LANES`].
    wide: bool,
    grid: GridSpec,
    npts: usize,
    /// Next chunk to claim, and chunks finished.
    next: AtomicUsize,
    done: AtomicUsize,
    /// A helper panicked (its chunk will never be done).
    panicked: AtomicBool,
    /// Values, d/dx, d/dy.
    out: Mutex<[Vec<f64>; 3]>,
}

impl<'m> GridShared<'m> {
    fn new(model: Cow<'m, Model>, ds: Dataset, base: &[f64], grid: GridSpec) -> Self {
        let npts = grid.xs.len() * grid.ys.len();
        GridShared {
            bundle: !model.clips_rates(),
            wide: scratch_values(&model) <= WIDE_SCRATCH,
            model,
            ds,
            base: base.to_vec(),
            grid,
            npts,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            out: Mutex::new([vec![0.0; npts], vec![0.0; npts], vec![0.0; npts]]),
        }
    }

    /// Claims and evaluates chunks until none is left.
    fn run(&self) {
        if self.wide {
            self.run_with::<WIDE_LANES>()
        } else {
            self.run_with::<LANES>()
        }
    }

    fn run_with<const N: usize>(&self) {
        let mut worker: Option<GridWorker<N>> = None;
        let mut buf = [[0.0; GRID_CHUNK]; 3];
        loop {
            let first = self.next.fetch_add(1, Ordering::Relaxed) * GRID_CHUNK;
            if first >= self.npts {
                break;
            }
            let len = GRID_CHUNK.min(self.npts - first);
            let w =
                worker.get_or_insert_with(|| GridWorker::new(&self.model, &self.base, self.bundle));
            let [v, gx, gy] = &mut buf;
            w.chunk(
                &self.model,
                &self.ds,
                &self.grid,
                first,
                &mut v[..len],
                &mut gx[..len],
                &mut gy[..len],
            );
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            for (o, b) in out.iter_mut().zip(&buf) {
                o[first..first + len].copy_from_slice(&b[..len]);
            }
            drop(out);
            self.done.fetch_add(1, Ordering::Release);
        }
    }

    /// Waits for the chunks other workers are still evaluating, then takes the results.
    fn finish(&self, nchunks: usize) -> [Vec<f64>; 3] {
        while self.done.load(Ordering::Acquire) < nchunks {
            assert!(
                !self.panicked.load(Ordering::Acquire),
                "a grid_2d helper panicked"
            );
            // Yield rather than spin: on a busy machine the worker being waited for may
            // need this core.
            std::thread::yield_now();
        }
        std::mem::take(&mut *self.out.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Points per bundle in [`Model::grid_2d`].
const LANES: usize = 8;

/// Points per bundle on models whose scratch holds at most [`WIDE_SCRATCH`] values. On
/// the smallest models (the seed model's is 18 values) a bundle's cost is mostly fixed
/// (loop set-ups, zeroing, calls): on one core the seed grid took 121 µs with 8 lanes,
/// 95 with 16 and 86 with 32. On larger models (synth_30, 1Lbb) 16 lanes were 15-20%
/// slower than 8: the scratch grows with the lanes.
const WIDE_LANES: usize = 32;
const WIDE_SCRATCH: usize = 128;

/// Values (one per lane) in a bundle's scratch for `model`: what decides whether wide
/// bundles pay.
fn scratch_values(model: &Model) -> usize {
    2 * model.n_main()
        + 4 * model.n_sample_bins()
        + 3 * model.n_normsys_factors()
        + 4 * model.n_pars()
}

/// The fewest points worth a bundle rather than single evaluations.
const MIN_BUNDLE: usize = 2;

/// Points per parallel task of [`Model::grid_2d`]: a point of a small model costs a few
/// tens of nanoseconds, so per-point tasks would cost more than the evaluations (the seed
/// model's grid was slower than JAX's vmap); 256 points (about 5 µs on the seed model,
/// 3 ms on 1Lbb) leave 40 tasks for balancing on a 101 x 101 grid.
const GRID_CHUNK: usize = 256;

/// One worker's buffers for [`Model::grid_2d`]: parameter vector, gradient, scratch, for
/// single points and for bundles.
struct GridWorker<const N: usize> {
    s: Scratch<f64>,
    p: Vec<f64>,
    g: Vec<f64>,
    bundle: Option<Bundle<N>>,
}

struct Bundle<const N: usize> {
    s: Scratch<Points<N>>,
    p: Vec<Points<N>>,
    g: Vec<Points<N>>,
}

/// The grid being evaluated, with each axis value's kink region.
struct GridSpec {
    x_index: usize,
    y_index: usize,
    xs: Vec<f64>,
    ys: Vec<f64>,
    rx: Vec<u8>,
    ry: Vec<u8>,
}

impl<const N: usize> GridWorker<N> {
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
            if let Some(b) = self.bundle.as_mut() {
                // The run of points (up to a bundle) sharing the first one's regions; the
                // lanes past it repeat the first point, whose results are not used.
                let room = N.min(v.len() - j);
                let (r0x, r0y) = (rx[ix], ry[iy]);
                let (mut px, mut py) = ([xs[ix]; N], [ys[iy]; N]);
                let (mut next, mut run) = (step((ix, iy)), 1);
                if room == N && ix + N <= nx && rx[ix..ix + N].iter().all(|&r| r == r0x) {
                    // The common case, a whole bundle within one row: the x values are
                    // loaded as they lie. Filling lanes one by one (below) stores scalars
                    // that are then loaded as vectors, a store-forwarding stall that
                    // showed in the seed grid's profile.
                    px.copy_from_slice(&xs[ix..ix + N]);
                    (next, run) = (step((ix + N - 1, iy)), N);
                } else {
                    while run < room && rx[next.0] == r0x && ry[next.1] == r0y {
                        (px[run], py[run]) = (xs[next.0], ys[next.1]);
                        next = step(next);
                        run += 1;
                    }
                }
                if run >= MIN_BUNDLE {
                    b.p[x_index] = Points(px);
                    b.p[y_index] = Points(py);
                    let val = bundle_logpdf(model, ds, &b.p, &mut b.g, &mut b.s);
                    let (bx, by) = (&b.g[x_index].0, &b.g[y_index].0);
                    // A copy of constant length compiles to a few vector moves; one of
                    // variable length is a `memmove` call, which showed in the seed
                    // grid's profile (only partial bundles take it).
                    if run == N {
                        v[j..j + N].copy_from_slice(&val.0);
                        gx[j..j + N].copy_from_slice(bx);
                        gy[j..j + N].copy_from_slice(by);
                    } else {
                        v[j..j + run].copy_from_slice(&val.0[..run]);
                        gx[j..j + run].copy_from_slice(&bx[..run]);
                        gy[j..j + run].copy_from_slice(&by[..run]);
                    }
                    j += run;
                    (ix, iy) = next;
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

/// A bundle's logpdf and gradient (into `g`, zeroed here), compiled for AVX2 when the CPU
/// has it: every lane operation of [`Points`] is then one packed instruction per four
/// points instead of two per two, and the logarithms are computed four at a time
/// (`vlog`). No FMA is enabled, so every other operation rounds as in the baseline build;
/// results differ from single evaluations only by the logarithms' last bit.
fn bundle_logpdf<const N: usize>(
    model: &Model,
    ds: &Dataset,
    p: &[Points<N>],
    g: &mut [Points<N>],
    s: &mut Scratch<Points<N>>,
) -> Points<N> {
    g.iter_mut().for_each(|g| *g = Points::cst(0.0));
    bundle_pass(model, ds, p, g, s)
}

dispatch! {
    /// [`bundle_logpdf`]'s evaluation, the whole of it compiled for AVX2 where the CPU has
    /// it.
    fn bundle_pass[const N: usize](
        model: &Model,
        ds: &Dataset,
        p: &[Points<N>],
        g: &mut [Points<N>],
        s: &mut Scratch<Points<N>>,
    ) -> Points<N> {
        "avx2" => eval::logpdf_inline(model, ds, p, Some(g), s)
    }
}
