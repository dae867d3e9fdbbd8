import { type DenseMatrix, dtypeOf, InvalidInputError, type MatrixData } from '@lowrank/core';
import { useWasm } from './backend.js';
import { luRowsWasm } from './gemm-wasm.js';
import { assertDense } from './matmul.js';

export interface LuFactors {
  /** Row i of L U is row perm[i] of A. */
  readonly perm: Int32Array;
  /** m x min(m, n), unit lower triangular (float64). */
  readonly l: DenseMatrix<Float64Array>;
  /** min(m, n) x n, upper triangular (float64). */
  readonly u: DenseMatrix<Float64Array>;
}

/**
 * Columns per panel: the columns right of a panel get its updates in one pass over the rows, 8
 * multiply-adds per entry, instead of one pass per column (the randomized SVD's 6000 x 60 blocks:
 * 10 ms instead of 30 in JavaScript, 4 ms on the WebAssembly kernel; a GEMM call per panel was no
 * faster, for its copies). assembly/lu-panels.ts uses the same panel width.
 */
const PANEL = 8;

/**
 * Gaussian elimination with partial pivoting of the row-major m x n matrix `source` (LAPACK's
 * getrf, right-looking by panels): w holds the multipliers below the diagonal and U on and above
 * it, and row i of L U is row perm[i] of the input. On the WebAssembly kernel (assembly/lu-panels.ts,
 * the same operations in the same order) w is a view of its memory, valid until the next kernel call.
 */
function factor(source: MatrixData, m: number, n: number): { perm: Int32Array; w: Float64Array } {
  if (m * n >= WASM_MIN_ELEMENTS && useWasm()) {
    const done = luRowsWasm(source, m, n);
    if (done) return done;
  }
  const w = new Float64Array(source);
  return { perm: factorInJavaScript(w, m, n), w };
}

/** Below this, copying into WebAssembly memory costs about what the kernel saves. */
const WASM_MIN_ELEMENTS = 4096;

/** The JavaScript elimination, in place on w (a copy of the input); returns perm. */
function factorInJavaScript(w: Float64Array, m: number, n: number): Int32Array {
  const k = Math.min(m, n);
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  const tmp = new Float64Array(n);
  for (let j0 = 0; j0 < k; j0 += PANEL) {
    const j1 = Math.min(j0 + PANEL, k); // panel columns [j0, j1)
    // 1. The panel: pivot, swap whole rows, multipliers, updates inside the panel only.
    for (let j = j0; j < j1; j++) {
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
        for (let c = j + 1; c < j1; c++) w[row + c] = w[row + c]! - l * w[pivotRow + c]!;
      }
    }
    if (j1 >= n) continue;
    // 2. The panel's rows of U right of it: forward substitution with the panel's unit L.
    for (let j = j0 + 1; j < j1; j++) subtractPanelRows(w, n, j, j0, j, j1);
    // 3. Every row below: A22 -= L21 U12, each entry updated once with all of its row's
    // multipliers in the panel (the panel's rows of U stay in cache).
    if (j1 - j0 === PANEL) {
      const u0 = j0 * n;
      for (let i = j1; i < m; i++) {
        const row = i * n;
        const l0 = w[row + j0]!;
        const l1 = w[row + j0 + 1]!;
        const l2 = w[row + j0 + 2]!;
        const l3 = w[row + j0 + 3]!;
        const l4 = w[row + j0 + 4]!;
        const l5 = w[row + j0 + 5]!;
        const l6 = w[row + j0 + 6]!;
        const l7 = w[row + j0 + 7]!;
        for (let c = j1; c < n; c++) {
          const u = u0 + c;
          w[row + c] =
            w[row + c]! -
            (l0 * w[u]! +
              l1 * w[u + n]! +
              l2 * w[u + 2 * n]! +
              l3 * w[u + 3 * n]! +
              l4 * w[u + 4 * n]! +
              l5 * w[u + 5 * n]! +
              l6 * w[u + 6 * n]! +
              l7 * w[u + 7 * n]!);
        }
      }
    } else {
      for (let i = j1; i < m; i++) subtractPanelRows(w, n, i, j0, j1, j1);
    }
  }
  return perm;
}

/**
 * Row i of w (n columns), right of column `from`, minus each of its multipliers in columns
 * [j0, t1) times that row: the panel's updates one after the other, as the unblocked elimination
 * makes them.
 */
function subtractPanelRows(
  w: Float64Array,
  n: number,
  i: number,
  j0: number,
  t1: number,
  from: number,
): void {
  const row = i * n;
  for (let t = j0; t < t1; t++) {
    const l = w[row + t]!;
    if (l === 0) continue;
    const src = t * n;
    for (let c = from; c < n; c++) w[row + c] = w[row + c]! - l * w[src + c]!;
  }
}

/** Gaussian elimination with partial pivoting (float64): A[perm[i], :] = (L U)[i, :]. */
export function luFactor(a: DenseMatrix): LuFactors {
  assertDense(a, 'matrix of luFactor');
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const { perm, w } = factor(a.data, m, n);
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
 * Output dtype follows the input. `out` (m x min(m, n), the input's dtype; it may be the input
 * itself, which is copied first) is written instead of a new matrix: a loop calling it again saves
 * a new array's page faults (about 4 ms per MB on a VM).
 */
export function luPermutedLower(a: DenseMatrix, options: { readonly out?: DenseMatrix } = {}): DenseMatrix {
  assertDense(a, 'matrix of luPermutedLower');
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const given = options.out;
  if (given && (given.rows !== m || given.cols !== k || dtypeOf(given) !== dtypeOf(a))) {
    throw new InvalidInputError(
      `luPermutedLower: out is ${given.rows} x ${given.cols} ${dtypeOf(given)}; expected ${m} x ${k} ${dtypeOf(a)}.`,
    );
  }
  const { perm, w } = factor(a.data, m, n);
  const out = given?.data ?? (dtypeOf(a) === 'float32' ? new Float32Array(m * k) : new Float64Array(m * k));
  // Row i of L (multipliers left of the diagonal, 1 on it) belongs at original row perm[i].
  for (let i = 0; i < m; i++) {
    const dst = perm[i]! * k;
    const src = i * n;
    const upto = Math.min(i, k);
    for (let c = 0; c < upto; c++) out[dst + c] = w[src + c]!;
    if (i < k) {
      out[dst + i] = 1;
      out.fill(0, dst + i + 1, dst + k); // a reused out holds old values there
    }
  }
  return { rows: m, cols: k, data: out };
}
