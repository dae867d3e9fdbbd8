import {
  assertFiniteMatrix,
  type DenseMatrix,
  InvalidOptionError,
  type MatrixInput,
  type RunControl,
  throwIfAborted,
  toDenseMatrix,
} from '@lowrank/core';
import { gram, matmul, symmetricEigen } from '@lowrank/linalg';
import { orthonormalComplement } from './orthonormal-complement.js';

/** A singular value decomposition A = U diag(s) V^T. */
export interface SvdFactors {
  /** m x r, row-major; column i is the left singular vector of s[i]. */
  readonly u: DenseMatrix<Float64Array>;
  /** Singular values, descending, non-negative. */
  readonly s: Float64Array;
  /** n x r, row-major; column i is the right singular vector of s[i] (V, not V^T). */
  readonly v: DenseMatrix<Float64Array>;
}

export interface SvdOptions extends RunControl {
  /**
   * true (default): the thin SVD, r = min(m, n) columns in U and V, for tall and wide inputs
   * alike. false: the full SVD, U m x m and V n x n, the extra columns completing orthonormal
   * bases (s still has min(m, n) entries).
   */
  readonly economy?: boolean;
  /**
   * Largest |cos| allowed between two singular vectors of the long side (U for tall and square
   * inputs, V for wide ones; the other factor is orthonormal to rounding level), default 1e-10. The Jacobi
   * polish rotates every pair above it, so smaller is slower: the whole SVD of camera.png took about
   * 0.32 / 0.42 / 0.59 s of CPU at 1e-10 / 1e-11 / 1e-12 (loaded machine). Neither the reconstruction
   * nor the singular values depend on it beyond rounding.
   */
  readonly orthogonality?: number;
}

const EPS = 2 ** -52;

/**
 * Exact SVD of a dense matrix: every singular value, descending.
 *
 * Method: eigendecomposition of the small Gram matrix (A^T A for tall, A A^T for wide inputs) with
 * the divide-and-conquer symmetric eigensolver of @lowrank/linalg, then B = A V and one-sided
 * (Hestenes) Jacobi rotations on B and V until the columns of B are orthogonal. The Gram step
 * alone gives singular vectors whose accuracy degrades as eps * s1^2 / (s_i s_j); the Jacobi
 * polish restores it (A = B V^T holds exactly through the rotations, so the reconstruction stays
 * at rounding level and the singular values, the column norms of B, are accurate to about
 * eps * s1). Nearly all the flops are matrix products (the WebAssembly kernels of linalg).
 */
export function svd(matrix: MatrixInput, options: SvdOptions = {}): SvdFactors {
  const a = toDenseMatrix(matrix);
  assertFiniteMatrix(a);
  const economy = options.economy ?? true;
  if (typeof economy !== 'boolean') {
    throw new InvalidOptionError('economy', `must be true or false, got ${JSON.stringify(economy)}.`);
  }
  const signal = options.signal;
  const report = options.onProgress;
  throwIfAborted(signal);
  const a64: DenseMatrix<Float64Array> =
    a.data instanceof Float64Array
      ? (a as DenseMatrix<Float64Array>)
      : { rows: a.rows, cols: a.cols, data: Float64Array.from(a.data) };
  const m = a64.rows;
  const n = a64.cols;
  // X is the tall view of A: A itself when m >= n, A^T (never copied) when A is wide.
  const tall = m >= n;
  const long = tall ? m : n;
  const p = tall ? n : m;

  const g = gram(a64, tall ? 'AtA' : 'AAt') as DenseMatrix<Float64Array>;
  throwIfAborted(signal);
  report?.({ fraction: 0.2, message: 'Gram matrix' });
  const eig = symmetricEigen(g, { signal });
  throwIfAborted(signal);
  report?.({ fraction: 0.6, message: 'eigendecomposition' });
  const w = eig.vectors; // p x p, columns = right singular vectors of X
  // Bt = W^T X^T (p x long): row i is column i of B = X W, contiguous for the rotations below.
  const bt = (
    tall ? matmul(w, a64, { transposeA: true, transposeB: true }) : matmul(w, a64, { transposeA: true })
  ).data as Float64Array;
  const wt = transposeData(w.data, p, p);
  throwIfAborted(signal);
  const orthogonality = options.orthogonality ?? 1e-10;
  if (typeof orthogonality !== 'number' || !(orthogonality > 0 && orthogonality < 1)) {
    throw new InvalidOptionError(
      'orthogonality',
      `must be a number in (0, 1), got ${JSON.stringify(orthogonality)}.`,
    );
  }
  jacobiPolish(bt, wt, p, long, orthogonality, signal);
  report?.({ fraction: 0.9, message: 'orthogonalization' });

  // Singular values = row norms of Bt; sort descending.
  const norms = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s2 = 0;
    const row = i * long;
    for (let c = 0; c < long; c++) s2 += bt[row + c]! * bt[row + c]!;
    norms[i] = Math.sqrt(s2);
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => norms[y]! - norms[x]! || x - y);
  const s = new Float64Array(p);
  for (let i = 0; i < p; i++) s[i] = norms[order[i]!]!;
  // Long-side factor: columns = Bt rows / s; short-side factor: columns = Wt rows. Rows are
  // permuted and scaled in place of contiguous copies, then transposed in cache-sized blocks.
  const sortedBt = new Float64Array(p * long);
  const sortedWt = new Float64Array(p * p);
  const zeroColumns: number[] = [];
  for (let i = 0; i < p; i++) {
    const src = order[i]!;
    const si = s[i]!;
    if (si === 0) zeroColumns.push(i);
    const inv = si === 0 ? 0 : 1 / si;
    const dst = i * long;
    const row = src * long;
    for (let c = 0; c < long; c++) sortedBt[dst + c] = bt[row + c]! * inv;
    sortedWt.set(wt.subarray(src * p, (src + 1) * p), i * p);
  }
  const longFactor = transposeData(sortedBt, p, long);
  const shortFactor = transposeData(sortedWt, p, p);
  let longMatrix: DenseMatrix<Float64Array> = { rows: long, cols: p, data: longFactor };
  if (zeroColumns.length > 0) fillZeroColumns(longMatrix, zeroColumns);
  const shortMatrix: DenseMatrix<Float64Array> = { rows: p, cols: p, data: shortFactor };
  if (!economy && long > p) longMatrix = appendColumns(longMatrix, orthonormalComplement(longMatrix));
  applySignConvention(tall ? longMatrix : shortMatrix, tall ? shortMatrix : longMatrix, p);
  report?.({ fraction: 1, message: 'done' });
  return tall ? { u: longMatrix, s, v: shortMatrix } : { u: shortMatrix, s, v: longMatrix };
}

/**
 * One-sided Jacobi on the rows of bt (p x len) with the same rotations applied to the rows of wt
 * (p x p). Pairs are screened with one matrix product per sweep (fast; after the first sweep only
 * rows rotated in the previous one), then each flagged pair is rotated, its inner product recomputed
 * exactly when a row already moved. Stops when every pair has |b_i . b_j| <= tol |b_i| |b_j|.
 */
function jacobiPolish(
  bt: Float64Array,
  wt: Float64Array,
  p: number,
  len: number,
  orthogonality: number,
  signal: AbortSignal | undefined,
): void {
  // Below about eps * sqrt(len) the computed inner products are rounding noise.
  const tol = Math.max(orthogonality, 4 * EPS * Math.sqrt(len));
  const norms2 = new Float64Array(p);
  // Rows rotated in the previous sweep: only pairs touching them can still be non-orthogonal, so
  // later sweeps screen with a product of those rows only (all rows in the first sweep).
  let active: number[] = Array.from({ length: p }, (_, i) => i);
  const full: DenseMatrix<Float64Array> = { rows: p, cols: len, data: bt };
  for (let sweep = 0; sweep < 30 && active.length > 0; sweep++) {
    throwIfAborted(signal);
    const act = active.length;
    const rowsOfActive = new Float64Array(act * len);
    active.forEach((row, a) => {
      rowsOfActive.set(bt.subarray(row * len, (row + 1) * len), a * len);
    });
    // screen[a * p + j] = b_active[a] . b_j
    const screen = matmul({ rows: act, cols: len, data: rowsOfActive }, full, { transposeB: true }).data;
    for (let i = 0; i < p; i++) {
      let s2 = 0;
      const row = i * len;
      for (let c = 0; c < len; c++) s2 += bt[row + c]! * bt[row + c]!;
      norms2[i] = s2;
    }
    const isActive = new Int32Array(p).fill(-1);
    active.forEach((row, a) => {
      isActive[row] = a;
    });
    const touched = new Uint8Array(p);
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        const ai = isActive[i]!;
        const aj = isActive[j]!;
        if (ai < 0 && aj < 0) continue;
        const screened = ai >= 0 ? screen[ai * p + j]! : screen[aj * p + i]!;
        // Stale for rows already rotated this sweep; the next sweep re-screens those rows.
        if (Math.abs(screened) <= tol * Math.sqrt(norms2[i]! * norms2[j]!)) continue;
        const alpha = norms2[i]!;
        const beta = norms2[j]!;
        if (alpha === 0 || beta === 0) continue;
        const ri = i * len;
        const rj = j * len;
        let gamma = 0;
        if (touched[i] || touched[j]) {
          for (let c = 0; c < len; c++) gamma += bt[ri + c]! * bt[rj + c]!;
        } else {
          gamma = screened;
        }
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let c = 0; c < len; c++) {
          const x = bt[ri + c]!;
          const y = bt[rj + c]!;
          bt[ri + c] = cs * x - sn * y;
          bt[rj + c] = sn * x + cs * y;
        }
        const wi = i * p;
        const wj = j * p;
        for (let c = 0; c < p; c++) {
          const x = wt[wi + c]!;
          const y = wt[wj + c]!;
          wt[wi + c] = cs * x - sn * y;
          wt[wj + c] = sn * x + cs * y;
        }
        norms2[i] = alpha - t * gamma;
        norms2[j] = beta + t * gamma;
        touched[i] = 1;
        touched[j] = 1;
      }
    }
    active = [];
    for (let i = 0; i < p; i++) if (touched[i]) active.push(i);
  }
}

/** Exactly zero singular values have no direction from B: give them an orthonormal completion. */
function fillZeroColumns(f: DenseMatrix<Float64Array>, zeroColumns: readonly number[]): void {
  const keep: number[] = [];
  const zero = new Set(zeroColumns);
  for (let c = 0; c < f.cols; c++) if (!zero.has(c)) keep.push(c);
  const kept: DenseMatrix<Float64Array> = {
    rows: f.rows,
    cols: keep.length,
    data: new Float64Array(f.rows * keep.length),
  };
  for (let r = 0; r < f.rows; r++)
    for (let c = 0; c < keep.length; c++) kept.data[r * keep.length + c] = f.data[r * f.cols + keep[c]!]!;
  const complement = orthonormalComplement(kept);
  zeroColumns.forEach((col, k) => {
    for (let r = 0; r < f.rows; r++) f.data[r * f.cols + col] = complement.data[r * complement.cols + k]!;
  });
}

function appendColumns(
  a: DenseMatrix<Float64Array>,
  b: DenseMatrix<Float64Array>,
): DenseMatrix<Float64Array> {
  const cols = a.cols + b.cols;
  const out = new Float64Array(a.rows * cols);
  for (let r = 0; r < a.rows; r++) {
    out.set(a.data.subarray(r * a.cols, (r + 1) * a.cols), r * cols);
    out.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), r * cols + a.cols);
  }
  return { rows: a.rows, cols, data: out };
}

/**
 * scikit-learn's svd_flip (u-based): in each of the first `count` columns of U the entry of
 * largest magnitude is made positive, and the matching column of V flips with it. Deterministic
 * output whatever the solver's internal signs.
 */
export function applySignConvention(
  u: DenseMatrix<Float64Array>,
  v: DenseMatrix<Float64Array>,
  count: number,
): void {
  for (let c = 0; c < count; c++) {
    let best = -1;
    let sign = 1;
    for (let r = 0; r < u.rows; r++) {
      const x = u.data[r * u.cols + c]!;
      const abs = Math.abs(x);
      if (abs > best) {
        best = abs;
        sign = x < 0 ? -1 : 1;
      }
    }
    if (sign > 0) continue;
    for (let r = 0; r < u.rows; r++) u.data[r * u.cols + c] = -u.data[r * u.cols + c]!;
    for (let r = 0; r < v.rows; r++) v.data[r * v.cols + c] = -v.data[r * v.cols + c]!;
  }
}

function transposeData(src: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B)
    for (let j0 = 0; j0 < cols; j0 += B) {
      const iEnd = Math.min(i0 + B, rows);
      const jEnd = Math.min(j0 + B, cols);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) out[j * rows + i] = src[i * cols + j]!;
    }
  return out;
}
