import { castMatrix, type DenseMatrix, dtypeOf, InvalidInputError, toDenseMatrix } from '@lowrank/core';
import { qrThin } from './householder-qr.js';
import { assertDense, gram, matmul } from './matmul.js';

/**
 * Largest accepted ratio of the Gram's diagonal to a Cholesky pivot: it bounds cond(A)^2 by about
 * 1e12, well inside CholeskyQR2's range (cond(A) below 1e8 in float64, Yamamoto et al. 2015).
 */
const MAX_PIVOT_RATIO = 1e12;

/**
 * Upper-triangular R with R^T R = G (n x n, row-major), or null when a pivot is not clearly
 * positive: the columns were (nearly) dependent.
 */
function choleskyUpper(g: Float64Array, n: number): Float64Array | null {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, g[i * n + i]!);
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let d = g[i * n + i]!;
    for (let t = 0; t < i; t++) d -= r[t * n + i]! * r[t * n + i]!;
    if (!(d > scale / MAX_PIVOT_RATIO)) return null;
    const rii = Math.sqrt(d);
    r[i * n + i] = rii;
    for (let j = i + 1; j < n; j++) {
      let s = g[i * n + j]!;
      for (let t = 0; t < i; t++) s -= r[t * n + i]! * r[t * n + j]!;
      r[i * n + j] = s / rii;
    }
  }
  return r;
}

/** The inverse of an upper-triangular R (n x n, positive diagonal), upper triangular. */
function invertUpper(r: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = n - 1; j >= 0; j--) {
    inv[j * n + j] = 1 / r[j * n + j]!;
    // Row j of R^-1: solve from the right, using the rows below already computed.
    for (let c = j + 1; c < n; c++) {
      let s = 0;
      for (let t = j + 1; t <= c; t++) s += r[j * n + t]! * inv[t * n + c]!;
      inv[j * n + c] = -s / r[j * n + j]!;
    }
  }
  return inv;
}

/**
 * One CholeskyQR step: Q = A R^-1 with R the Cholesky factor of A^T A (into `out` when given);
 * null, having written nothing, if A^T A is not clearly positive definite.
 */
function choleskyQrStep(
  a: DenseMatrix<Float64Array>,
  out?: DenseMatrix<Float64Array>,
): DenseMatrix<Float64Array> | null {
  const n = a.cols;
  const r = choleskyUpper(gram(a, 'AtA').data as Float64Array, n);
  if (!r) return null;
  const inverse = { rows: n, cols: n, data: invertUpper(r, n) };
  return matmul(a, inverse, out ? { out } : {}) as DenseMatrix<Float64Array>;
}

export interface OrthonormalBasisOptions {
  /**
   * Where to write the basis: a float64 matrix of the input's shape. With a float64 input, which
   * then serves as the workspace (overwritten), the call allocates no array of that size: a
   * caller that orthonormalizes block after block saves each block's fresh memory (its page faults).
   */
  readonly out?: DenseMatrix<Float64Array>;
}

/**
 * An orthonormal basis of a tall matrix's columns, the Q of its thin QR with diag(R) > 0, by
 * CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa and Yamamoto, 2014): Q1 = A R1^-1 with R1 the
 * Cholesky factor of A^T A, then the same once more on Q1, which restores orthogonality to
 * rounding level. Its work is two Gram products and two products with a small triangle, on the
 * GEMM kernels, where Householder QR (qrThin) sweeps the matrix column by column in JavaScript:
 * the randomized SVD's 6000 x 60 range basis, 0.1 s by Householder, takes 10 ms. Columns too
 * close to dependent for it (cond(A) over 1e6) fall back to qrThin. Computed in float64; the
 * result has the input's dtype (float64 in `out`).
 */
export function orthonormalBasis(a: DenseMatrix, options: OrthonormalBasisOptions = {}): DenseMatrix {
  assertDense(a, 'matrix of orthonormalBasis');
  const out = options.out;
  if (out !== undefined) {
    assertDense(out, 'output (out) of orthonormalBasis');
    if (out.rows !== a.rows || out.cols !== a.cols || !(out.data instanceof Float64Array))
      throw new InvalidInputError(
        `orthonormalBasis output is a ${out.rows} x ${out.cols} ${dtypeOf(out)} matrix; expected ${a.rows} x ${a.cols} float64.`,
      );
  }
  const householder = () => {
    const q = qrThin(a).q;
    if (!out) return q;
    out.data.set(q.data);
    return out;
  };
  if (a.rows < a.cols || a.cols === 0) return householder();
  if (out && a.data instanceof Float64Array) {
    const a64 = a as DenseMatrix<Float64Array>;
    // out = A R1^-1, then A = out R2^-1: A is left unchanged when either step gives up.
    const twice = choleskyQrStep(a64, out) && choleskyQrStep(out, a64);
    if (!twice) return householder();
    out.data.set(a64.data);
    return out;
  }
  const once = choleskyQrStep(toDenseMatrix(a, 'float64') as DenseMatrix<Float64Array>);
  const twice = once && choleskyQrStep(once);
  if (!twice) return householder();
  if (out) {
    out.data.set(twice.data);
    return out;
  }
  return dtypeOf(a) === 'float64' ? twice : castMatrix(twice, 'float32');
}
