import type { DenseMatrix } from '@lowrank/core';
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';

/**
 * The dense products PCP needs, behind one small interface so the solver does not care where they
 * come from. `defaultProducts` uses @lowrank/linalg's kernels (WebAssembly SIMD) when they load,
 * otherwise plain JavaScript loops (correct, slower).
 */
export interface DenseProducts {
  /** The small-side Gram matrix: A A^T when rows <= cols, else A^T A (size min(rows, cols) squared). */
  smallGram(a: DenseMatrix<Float64Array>, out?: Float64Array): DenseMatrix<Float64Array>;
  /** out = op(A) op(B), or out += op(A) op(B) with accumulate. */
  matmul(
    a: DenseMatrix<Float64Array>,
    b: DenseMatrix<Float64Array>,
    options: { transposeA?: boolean; transposeB?: boolean; out?: Float64Array; accumulate?: boolean },
  ): DenseMatrix<Float64Array>;
  /**
   * Eigenvalues (descending) and eigenvectors (column j of an n x c row-major matrix) of a symmetric
   * matrix: all of them (c = n), or at least those whose eigenvalue exceeds `vectorsAbove`.
   */
  symmetricEigen(
    a: DenseMatrix<Float64Array>,
    vectorsAbove?: number,
  ): { values: Float64Array; vectors: DenseMatrix<Float64Array> };
}

function dims(m: DenseMatrix, transposed: boolean | undefined): [number, number] {
  return transposed ? [m.cols, m.rows] : [m.rows, m.cols];
}

/** Plain-JavaScript products: the fallback and the reference the fast ones are tested against. */
export const javascriptProducts: DenseProducts = {
  smallGram(a, out) {
    const byRows = a.rows <= a.cols;
    const n = byRows ? a.rows : a.cols;
    const g = out ?? new Float64Array(n * n);
    if (byRows) {
      const { cols, data } = a;
      for (let i = 0; i < n; i++) {
        const oi = i * cols;
        for (let j = 0; j <= i; j++) {
          const oj = j * cols;
          let s = 0;
          for (let k = 0; k < cols; k++) s += data[oi + k]! * data[oj + k]!;
          g[i * n + j] = s;
          g[j * n + i] = s;
        }
      }
    } else {
      g.fill(0);
      const { rows, data } = a;
      for (let r = 0; r < rows; r++) {
        const o = r * n;
        for (let i = 0; i < n; i++) {
          const v = data[o + i]!;
          if (v === 0) continue;
          const gi = i * n;
          for (let j = 0; j <= i; j++) g[gi + j]! += v * data[o + j]!;
        }
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j]!;
    }
    return { rows: n, cols: n, data: g };
  },

  matmul(a, b, { transposeA, transposeB, out, accumulate }) {
    const [m, ka] = dims(a, transposeA);
    const [kb, n] = dims(b, transposeB);
    if (ka !== kb) throw new Error(`matmul: inner dimensions ${ka} and ${kb} differ.`);
    const c = out ?? new Float64Array(m * n);
    if (!(accumulate && out)) c.fill(0, 0, m * n);
    const A = a.data;
    const B = b.data;
    const lda = a.cols;
    const ldb = b.cols;
    if (!transposeB) {
      for (let i = 0; i < m; i++) {
        const ci = i * n;
        for (let k = 0; k < ka; k++) {
          const v = transposeA ? A[k * lda + i]! : A[i * lda + k]!;
          if (v === 0) continue;
          const bk = k * ldb;
          for (let j = 0; j < n; j++) c[ci + j]! += v * B[bk + j]!;
        }
      }
    } else {
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          const bj = j * ldb;
          for (let k = 0; k < ka; k++) s += (transposeA ? A[k * lda + i]! : A[i * lda + k]!) * B[bj + k]!;
          c[i * n + j] = accumulate && out ? c[i * n + j]! + s : s;
        }
    }
    return { rows: m, cols: n, data: c };
  },

  symmetricEigen(a) {
    const n = a.rows;
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(a.data.subarray(i * n, (i + 1) * n)));
    const evd = new EigenvalueDecomposition(new MlMatrix(rows), { assumeSymmetric: true });
    const raw = evd.realEigenvalues;
    const order = raw.map((_, i) => i).sort((x, y) => raw[y]! - raw[x]!);
    const vectors = evd.eigenvectorMatrix;
    const values = new Float64Array(n);
    const v = new Float64Array(n * n);
    order.forEach((src, j) => {
      values[j] = raw[src]!;
      for (let i = 0; i < n; i++) v[i * n + j] = vectors.get(i, src);
    });
    return { values, vectors: { rows: n, cols: n, data: v } };
  },
};
