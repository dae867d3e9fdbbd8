import { type DenseMatrix, dtypeOf } from '@lowrank/core';
import { assertDense } from './matmul.js';

export interface LuFactors {
  /** Row i of L U is row perm[i] of A. */
  readonly perm: Int32Array;
  /** m x min(m, n), unit lower triangular (float64). */
  readonly l: DenseMatrix<Float64Array>;
  /** min(m, n) x n, upper triangular (float64). */
  readonly u: DenseMatrix<Float64Array>;
}

/** Gaussian elimination with partial pivoting (float64): A[perm[i], :] = (L U)[i, :]. */
export function luFactor(a: DenseMatrix): LuFactors {
  assertDense(a, 'matrix of luFactor');
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const w = Float64Array.from(a.data);
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  const tmp = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    let p = j;
    let best = Math.abs(w[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(w[i * n + j]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== j) {
      tmp.set(w.subarray(j * n, j * n + n));
      w.copyWithin(j * n, p * n, p * n + n);
      w.set(tmp, p * n);
      const t = perm[j]!;
      perm[j] = perm[p]!;
      perm[p] = t;
    }
    const pivot = w[j * n + j]!;
    if (pivot === 0) continue;
    const inv = 1 / pivot;
    const pivotRow = j * n;
    for (let i = j + 1; i < m; i++) {
      const row = i * n;
      const l = w[row + j]! * inv;
      w[row + j] = l;
      if (l === 0) continue;
      for (let c = j + 1; c < n; c++) w[row + c] = w[row + c]! - l * w[pivotRow + c]!;
    }
  }
  const l = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    const upto = Math.min(i, k);
    for (let c = 0; c < upto; c++) l[i * k + c] = w[i * n + c]!;
    if (i < k) l[i * k + i] = 1;
  }
  const u = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let c = i; c < n; c++) u[i * n + c] = w[i * n + c]!;
  return { perm, l: { rows: m, cols: k, data: l }, u: { rows: k, cols: n, data: u } };
}

/**
 * LU with partial (row) pivoting, returning P·L (m x min(m, n)) like
 * `scipy.linalg.lu(a, permute_l=True)[0]`: the normalizer scikit-learn's randomized_range_finder
 * uses between power iterations (cheaper than QR, keeps the columns well scaled). Pivot: the
 * first entry of largest magnitude, as LAPACK's getrf. A zero pivot column leaves its multipliers 0.
 * Output dtype follows the input.
 */
export function luPermutedLower(a: DenseMatrix): DenseMatrix {
  assertDense(a, 'matrix of luPermutedLower');
  const { perm, l } = luFactor(a);
  const m = a.rows;
  const k = l.cols;
  const out = dtypeOf(a) === 'float32' ? new Float32Array(m * k) : new Float64Array(m * k);
  // Row i of L belongs at original row perm[i].
  for (let i = 0; i < m; i++) out.set(l.data.subarray(i * k, i * k + k), perm[i]! * k);
  return { rows: m, cols: k, data: out };
}
