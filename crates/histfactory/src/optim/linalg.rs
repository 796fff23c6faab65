//! Small dense linear algebra on preallocated row-major buffers, plus the covariance helper.
//!
//! The Newton steps factorise a Hessian every iteration; doing it in place on buffers the
//! minimiser owns keeps those iterations allocation-free (nalgebra's dynamic matrices would
//! allocate). nalgebra is used only for the eigen-decomposition fallback of
//! [`covariance_from_hessian`], which runs once per fit.

use crate::simd::dispatch;
use nalgebra::{DMatrix, SymmetricEigen};

/// In-place Cholesky factorisation `A = L L^T` of the leading `m x m` block of `a`
/// (row-major, stride `m`). On success the lower triangle holds `L`; returns `false` if the
/// matrix is not (numerically) positive definite. The textbook form, kept as the reference
/// [`factor_upper`] is tested against (bit for bit).
#[cfg(test)]
pub(crate) fn cholesky_in_place(a: &mut [f64], m: usize) -> bool {
    for j in 0..m {
        let mut d = a[j * m + j];
        for k in 0..j {
            d -= a[j * m + k] * a[j * m + k];
        }
        // A non-positive (or NaN) pivot means the matrix is not positive definite.
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let ljj = d.sqrt();
        a[j * m + j] = ljj;
        for i in (j + 1)..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s / ljj;
        }
    }
    true
}

/// Solves `L L^T x = b` in place (`b` becomes `x`) with the factor from [`cholesky_in_place`]
/// (the reference for [`solve_upper`]).
#[cfg(test)]
pub(crate) fn cholesky_solve(l: &[f64], m: usize, b: &mut [f64]) {
    for i in 0..m {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * m + k] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for k in (i + 1)..m {
            s -= l[k * m + i] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
}

dispatch! {
    /// Cholesky factorisation of a principal submatrix in the upper triangle of the matrix's
    /// own buffer, the matrix itself kept in its strict lower triangle and a diagonal vector:
    /// one `n * n` buffer instead of a matrix and a copy to factorise.
    ///
    /// Layout ("split" storage, stride `n`): the symmetric matrix `A` is its strict lower
    /// triangle (`A[i][j]`, `i > j`, at `i * n + j`, never written here) plus `diag`. The factor
    /// `U` of `A_FF` (`UᵀU = A_FF + shift I`, `F = idx` increasing, `k = idx.len()`) has its row
    /// `a` at row `idx[a]` of the buffer, right-aligned: `U[a][b]` (`b >= a`) at
    /// `idx[a] * n + (n - k) + b`, which is on or right of the diagonal because
    /// `idx[a] <= a + (n - k)`. `Uᵀ` is the lower factor `L` of `cholesky_in_place` (the
    /// tests' reference), and it is computed with the same operations in the same order (each
    /// entry's products subtracted in increasing order, then one division or square root), so
    /// it is bit-identical to it; the row updates run along contiguous rows, which vectorises.
    ///
    /// Returns `false` if `A_FF + shift I` is not (numerically) positive definite.
    pub(crate) fn factor_upper(
        buf: &mut [f64],
        n: usize,
        idx: &[usize],
        diag: &[f64],
        shift: f64,
    ) -> bool {
        "avx" if idx.len() >= AVX_MIN_K => factor_upper_in(buf, n, idx, diag, shift)
    }
}

/// [`factor_upper`]'s body, inlined into its AVX and baseline versions.
#[inline(always)]
fn factor_upper_in(buf: &mut [f64], n: usize, idx: &[usize], diag: &[f64], shift: f64) -> bool {
    let k = idx.len();
    let off = n - k;
    for (a, &i) in idx.iter().enumerate() {
        let row = i * n + off;
        buf[row + a] = diag[i] + shift;
        for (b, &j) in idx.iter().enumerate().skip(a + 1) {
            buf[row + b] = buf[j * n + i];
        }
    }
    // Blocked by rows for the cache (at a few hundred parameters the matrix is megabytes,
    // and the unblocked form streamed all rows below `j` through the cache for every `j`:
    // a fifth of a fit). Each block first takes the updates of all rows before it, row by
    // row, while its own rows stay in cache, then is factorised as before. An entry still
    // has its products subtracted in increasing order of the row they come from, then its
    // division or square root: bit-identical to the unblocked form.
    for i0 in (0..k).step_by(FACTOR_BLOCK) {
        let i1 = (i0 + FACTOR_BLOCK).min(k);
        let r0 = idx[i0] * n + off;
        // Rows before the block end before it starts (`idx` is increasing).
        let (done, block) = buf.split_at_mut(r0);
        for j in 0..i0 {
            let rj = idx[j] * n + off;
            let uj = &done[rj..rj + k];
            for a in i0..i1 {
                let ra = idx[a] * n + off - r0;
                let uja = uj[a];
                for (t, s) in block[ra + a..ra + k].iter_mut().zip(&uj[a..]) {
                    *t -= uja * s;
                }
            }
        }
        for j in i0..i1 {
            let rj = idx[j] * n + off - r0;
            let (head, tail) = block.split_at_mut(rj + k);
            let uj = &mut head[rj + j..];
            let d = uj[0];
            // A non-positive (or NaN) pivot means the matrix is not positive definite.
            if d.is_nan() || d <= 0.0 {
                return false;
            }
            let ujj = d.sqrt();
            uj[0] = ujj;
            for v in &mut uj[1..] {
                *v /= ujj;
            }
            let uj = &uj[1..];
            for (q, &ri) in idx[j + 1..i1].iter().enumerate() {
                let i = j + 1 + q;
                let start = ri * n + off - r0 - (rj + k);
                let uji = uj[q];
                for (t, s) in tail[start + i..start + k].iter_mut().zip(&uj[q..]) {
                    *t -= uji * s;
                }
            }
        }
    }
    true
}

/// Rows per block of [`factor_upper`]: 32 rows of 590 parameters are 150 kB.
const FACTOR_BLOCK: usize = 32;

/// The diagonal entry `U[a][a]` of a factor from [`factor_upper`].
pub(crate) fn upper_pivot(buf: &[f64], n: usize, idx: &[usize], a: usize) -> f64 {
    buf[idx[a] * n + (n - idx.len()) + a]
}

/// Solves `UᵀU x = b` in place (`b`, length `idx.len()`, becomes `x`) with the factor from
/// [`factor_upper`]; bit-identical to `cholesky_solve` with the corresponding `L = Uᵀ`.
pub(crate) fn solve_upper(buf: &[f64], n: usize, idx: &[usize], b: &mut [f64]) {
    let k = idx.len();
    let off = n - k;
    solve_rows(
        |a| {
            let start = idx[a] * n + off;
            &buf[start + a..start + k]
        },
        k,
        b,
    );
}

/// Solves `UᵀU x = b` in place, `row(a)` giving `U[a][a..k]` (row `a` of the upper factor
/// from its diagonal on), for any storage of `U`.
fn solve_rows<'r>(row: impl Fn(usize) -> &'r [f64], k: usize, b: &mut [f64]) {
    // Forward, by columns of L (rows of U): each b[i] has its products subtracted in
    // increasing order, as the row-wise dot product of `cholesky_solve` does.
    for p in 0..k {
        let u = row(p);
        let y = b[p] / u[0];
        b[p] = y;
        for (bi, ui) in b[p + 1..k].iter_mut().zip(&u[1..]) {
            *bi -= ui * y;
        }
    }
    for i in (0..k).rev() {
        let u = row(i);
        let mut s = b[i];
        for (ui, bp) in u[1..].iter().zip(&b[i + 1..k]) {
            s -= ui * bp;
        }
        b[i] = s / u[0];
    }
}

/// An upper Cholesky factor `U` (`k * k`) in packed storage: its rows from the diagonal
/// on, one after another, `k (k + 1) / 2` entries: half an `n * n` matrix, for holding a
/// factor while the matrix's own buffer is given up.
#[derive(Debug, Clone)]
pub(crate) struct PackedFactor {
    k: usize,
    u: Vec<f64>,
}

impl PackedFactor {
    /// Packs the factor [`factor_upper`] left in `buf`.
    pub(crate) fn from_upper(buf: &[f64], n: usize, idx: &[usize]) -> Self {
        let k = idx.len();
        let off = n - k;
        let mut u = Vec::with_capacity(k * (k + 1) / 2);
        for (a, &i) in idx.iter().enumerate() {
            u.extend_from_slice(&buf[i * n + off + a..i * n + off + k]);
        }
        PackedFactor { k, u }
    }

    /// `U[a][a..k]`.
    fn row(&self, a: usize) -> &[f64] {
        let start = a * (2 * self.k - a + 1) / 2;
        &self.u[start..start + self.k - a]
    }

    /// Solves `UᵀU x = b` in place; bit-identical to [`solve_upper`] on the unpacked factor.
    pub(crate) fn solve(&self, b: &mut [f64]) {
        solve_rows(|a| self.row(a), self.k, b);
    }

    /// `out = UᵀU d` (the factorised matrix times `d`), by rows of `U`; `t` is scratch of
    /// length `k`.
    pub(crate) fn gram_times(&self, d: &[f64], t: &mut [f64], out: &mut [f64]) {
        let k = self.k;
        for a in 0..k {
            t[a] = self.row(a).iter().zip(&d[a..k]).map(|(u, x)| u * x).sum();
        }
        out.fill(0.0);
        for a in 0..k {
            let ta = t[a];
            for (o, u) in out[a..k].iter_mut().zip(self.row(a)) {
                *o += u * ta;
            }
        }
    }

    /// Packs the factor [`factor_upper`] left in `buf` inside `buf` itself, which keeps
    /// its `n * n` capacity: a second matrix is never allocated, neither here nor when the
    /// buffer becomes the covariance ([`PackedFactor::into_covariance`]). At a few hundred
    /// parameters a fit's peak memory is its dense matrices, so one buffer for the
    /// minimum's Hessian, factor and covariance is what keeps it at one matrix.
    pub(crate) fn pack_in_place(mut buf: Vec<f64>, n: usize, idx: &[usize]) -> Self {
        let k = idx.len();
        let off = n - k;
        let mut at = 0;
        for (a, &i) in idx.iter().enumerate() {
            // Rows move towards the front in order, none over one not yet moved: row `a`
            // lands at `a (2k - a + 1) / 2 <= (a + 1) k`, and the rows after it start at
            // `idx[b] n >= (a + 1) n` or later.
            let src = i * n + off + a;
            buf.copy_within(src..src + k - a, at);
            at += k - a;
        }
        buf.truncate(at);
        PackedFactor { k, u: buf }
    }

    /// The covariance `scale (UᵀU)^-1` over the parameters `keep` (the factor's rows, in
    /// order) of `n`; the others get zero rows and columns. Computed in the factor's own
    /// buffer (no second matrix when it was packed in place), identical to
    /// [`covariance_in_place`] on the matrix this factor came from.
    pub(crate) fn into_covariance(self, keep: &[usize], n: usize, scale: f64) -> Covariance {
        let PackedFactor { k, u: mut buf } = self;
        let off = n - k;
        buf.resize(n * n, 0.0);
        // Back to split storage ([`factor_upper`]'s layout), last row first: each row moves
        // towards the back, past no row not yet moved (the reverse of `pack_in_place`).
        for (a, &i) in keep.iter().enumerate().rev() {
            let start = a * (2 * k - a + 1) / 2;
            buf.copy_within(start..start + k - a, i * n + off + a);
        }
        let mut diag = vec![0.0; n];
        invert_factored(&mut buf, n, keep, scale, &mut diag);
        finish_covariance(buf, n, keep, &diag, false)
    }
}

dispatch! {
    /// The inverse `scale A^-1` of the matrix whose factor [`factor_upper`] left in `buf`,
    /// over the parameters `keep`: its strict lower triangle into `buf` (which the factor, on
    /// or right of the diagonal, does not occupy) and its diagonal into `diag`, four columns
    /// at a time ([`inverse_columns`]).
    fn invert_factored(buf: &mut [f64], n: usize, keep: &[usize], scale: f64, diag: &mut [f64]) {
        "avx" if keep.len() >= AVX_MIN_K => invert_factored_in(buf, n, keep, scale, diag)
    }
}

/// [`invert_factored`]'s body, inlined into its AVX and baseline versions.
#[inline(always)]
fn invert_factored_in(buf: &mut [f64], n: usize, keep: &[usize], scale: f64, diag: &mut [f64]) {
    diag.fill(0.0);
    let k = keep.len();
    let off = n - k;
    let mut cols = vec![[0.0; COLS]; k];
    for b0 in (0..k).step_by(COLS) {
        let row = |a: usize| {
            let start = keep[a] * n + off;
            &buf[start + a..start + k]
        };
        inverse_columns(row, k, b0, &mut cols);
        for l in 0..COLS.min(k - b0) {
            let (b, j) = (b0 + l, keep[b0 + l]);
            for (a, &i) in keep.iter().enumerate().skip(b + 1) {
                buf[i * n + j] = scale * cols[a][l];
            }
            diag[j] = scale * cols[b][l];
        }
    }
}

/// Columns solved side by side in [`inverse_columns`].
const COLS: usize = 4;

/// Columns `b0 .. b0 + COLS` of `(UᵀU)^-1` (`row` as in [`solve_rows`]), column `b0 + l`
/// from row `b0 + l` down, in lane `l` of `cols[b0 + l..]`.
///
/// Each column is the solve of a unit vector `e_b`, without the work that cannot change
/// the entries wanted: the forward pass starts at `b0` (before it every `e_b` is zero and
/// stays zero; between `b0` and `b` a lane only subtracts zero products from zeros, which
/// leaves them `+0`) and the backward pass stops at `b0` (each entry depends only on those
/// after it). The entries from `b` on thus undergo the operations of [`solve_rows`] in the
/// same order: bit-identical to it, at a third of its work. The columns are interleaved
/// because the backward pass is a chain of dependent subtractions per column (its order
/// fixes the rounding): four independent chains fill the pipeline, and the lanes vectorise.
#[inline(always)]
fn inverse_columns<'r>(
    row: impl Fn(usize) -> &'r [f64],
    k: usize,
    b0: usize,
    cols: &mut [[f64; COLS]],
) {
    for (a, c) in cols[b0..k].iter_mut().enumerate() {
        *c = [0.0; COLS];
        if a < COLS {
            c[a] = 1.0;
        }
    }
    for p in b0..k {
        let u = row(p);
        let (head, tail) = cols[p..k].split_at_mut(1);
        let y = head[0].map(|h| h / u[0]);
        head[0] = y;
        for (c, ui) in tail.iter_mut().zip(&u[1..]) {
            for (cl, yl) in c.iter_mut().zip(&y) {
                *cl -= ui * yl;
            }
        }
    }
    for i in (b0..k).rev() {
        let u = row(i);
        let mut s = cols[i];
        for (ui, c) in u[1..].iter().zip(&cols[i + 1..k]) {
            for (sl, cl) in s.iter_mut().zip(c) {
                *sl -= ui * cl;
            }
        }
        cols[i] = s.map(|v| v / u[0]);
    }
}

/// The fewest parameters for which the dense loops ([`factor_upper`], [`invert_factored`])
/// run their AVX versions (twice the width of the packed multiplies and subtractions; no
/// FMA, so bit-identical on every machine; see [`crate::simd`]). Below it the rows are too
/// short to gain, and the detour cost the smallest models' hypotests 4%.
const AVX_MIN_K: usize = 16;

/// The covariance from its strict lower triangle (kept parameters) in `buf` and its
/// diagonal: zero rows and columns for the parameters not kept, the upper triangle
/// mirrored from the lower one (exactly symmetric).
fn finish_covariance(
    mut buf: Vec<f64>,
    n: usize,
    keep: &[usize],
    diag: &[f64],
    forced_pos_def: bool,
) -> Covariance {
    if keep.len() < n {
        let mut next = keep.iter().copied().peekable();
        for i in 0..n {
            if next.next_if_eq(&i).is_some() {
                continue;
            }
            buf[i * n..i * n + i].fill(0.0);
            for j in i + 1..n {
                buf[j * n + i] = 0.0;
            }
        }
    }
    restore_symmetric(&mut buf, n, diag);
    Covariance {
        n,
        cov: buf,
        forced_pos_def,
    }
}

/// Makes a split-stored matrix (see [`factor_upper`]) whole again: the upper triangle from
/// the lower one (so the result is exactly symmetric), the diagonal from `diag`.
pub(crate) fn restore_symmetric(buf: &mut [f64], n: usize, diag: &[f64]) {
    for i in 0..n {
        for j in (i + 1)..n {
            buf[i * n + j] = buf[j * n + i];
        }
        buf[i * n + i] = diag[i];
    }
}

/// The diagonal of the row-major `n * n` matrix in `buf`.
pub(crate) fn diagonal(buf: &[f64], n: usize) -> Vec<f64> {
    (0..n).map(|i| buf[i * n + i]).collect()
}

/// A covariance matrix obtained from a Hessian.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    /// Number of parameters (rows).
    pub n: usize,
    /// Row-major `n * n` covariance; rows/columns of parameters excluded as fixed are zero.
    pub cov: Vec<f64>,
    /// `true` if the Hessian was not positive definite and was made so by raising its
    /// eigenvalues (as Minuit does); the uncertainties are then not trustworthy.
    pub forced_pos_def: bool,
}

impl Covariance {
    /// Standard errors: square roots of the diagonal (0 for fixed parameters).
    pub fn std_errors(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| self.cov[i * self.n + i].max(0.0).sqrt())
            .collect()
    }

    /// Row-major correlation matrix; rows/columns with zero variance are zero except for a
    /// 1 on the diagonal.
    pub fn correlation(&self) -> Vec<f64> {
        self.clone().into_correlation()
    }

    /// [`Covariance::correlation`], computed in the covariance's own buffer (no second
    /// `n * n` matrix).
    pub fn into_correlation(self) -> Vec<f64> {
        self.into_std_errors_and_correlation().1
    }

    /// [`Covariance::std_errors`] and [`Covariance::into_correlation`] together (the
    /// standard errors computed once).
    pub fn into_std_errors_and_correlation(self) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        let sd = self.std_errors();
        let mut c = self.cov;
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = if i == j {
                    1.0
                } else if sd[i] > 0.0 && sd[j] > 0.0 {
                    c[i * n + j] / (sd[i] * sd[j])
                } else {
                    0.0
                };
            }
        }
        (sd, c)
    }
}

/// Covariance `scale * H^{-1}` from a row-major `n x n` Hessian `hess`.
///
/// For `twice_nll = -2 ln L` use `scale = 2` (the covariance of the parameters is
/// `2 H^{-1}` where `H` is the Hessian of `twice_nll`); for `nll = -ln L` use `scale = 1`.
///
/// Parameters whose Hessian row is entirely zero (how [`super::MinimizeOutcome::hessian`]
/// marks fixed parameters) are excluded and get zero covariance. The inverse uses a Cholesky
/// factorisation; if that fails the Hessian is made positive definite by raising its
/// eigenvalues to at least `1e-12` times the largest one in absolute value, and
/// [`Covariance::forced_pos_def`] is set. Returns `None` if `hess.len() != n * n`, an entry
/// is not finite, or no eigenvalue is positive.
pub fn covariance_from_hessian(hess: &[f64], n: usize, scale: f64) -> Option<Covariance> {
    if hess.len() != n * n {
        return None;
    }
    covariance_in_place(hess.to_vec(), n, scale)
}

/// [`covariance_from_hessian`] computed in the Hessian's own buffer, which becomes the
/// covariance: besides it, only `O(n)` is allocated (when the Hessian is positive definite
/// over the kept parameters; the eigen-decomposition fallback needs its own matrices).
///
/// The factor goes into the upper triangle ([`factor_upper`]), each column of the inverse
/// into the strict lower triangle and a diagonal vector as it is solved for, and the upper
/// triangle is mirrored from the lower one at the end. The lower triangle and the diagonal
/// are bit-identical to the column-by-column inverse; the result is exactly symmetric.
pub(crate) fn covariance_in_place(mut hess: Vec<f64>, n: usize, scale: f64) -> Option<Covariance> {
    if hess.len() != n * n || hess.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let keep: Vec<usize> = (0..n)
        .filter(|&i| (0..n).any(|j| hess[i * n + j] != 0.0))
        .collect();
    let m = keep.len();
    // The Hessian's diagonal, then (once factorised) the covariance's: one vector for both.
    let mut diag = diagonal(&hess, n);
    let mut forced = false;
    if factor_upper(&mut hess, n, &keep, &diag, 0.0) {
        invert_factored(&mut hess, n, &keep, scale, &mut diag);
    } else {
        forced = true;
        // The lower triangle and the diagonal still hold the Hessian.
        let sub = DMatrix::from_fn(m, m, |a, b| {
            let (i, j) = (keep[a.max(b)], keep[a.min(b)]);
            if i == j {
                diag[i]
            } else {
                hess[i * n + j]
            }
        });
        let eig = SymmetricEigen::new(sub);
        let lmax = eig.eigenvalues.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        if lmax <= 0.0 || eig.eigenvalues.iter().all(|&v| v <= 0.0) {
            return None;
        }
        let floor = 1e-12 * lmax;
        let cdiag = &mut diag;
        cdiag.fill(0.0);
        for (a, &i) in keep.iter().enumerate() {
            for (b, &j) in keep.iter().enumerate().take(a + 1) {
                let mut s = 0.0;
                for k in 0..m {
                    let lam = eig.eigenvalues[k].max(floor);
                    s += eig.eigenvectors[(a, k)] * eig.eigenvectors[(b, k)] / lam;
                }
                if i == j {
                    cdiag[i] = scale * s;
                } else {
                    hess[i * n + j] = scale * s;
                }
            }
        }
    }
    Some(finish_covariance(hess, n, &keep, &diag, forced))
}
