import type { DenseMatrix } from '@lowrank/core';
import { allocateKernelMatrix, releaseKernelMatrix } from '@lowrank/linalg';
import type { DenseProducts } from './dense-products.js';

/**
 * Singular value thresholding through the small-side Gram matrix: A = U diag(max(s - tau, 0)) V^T
 * for T = U diag(s) V^T. The eigen-decomposition of the min(m, n)-square Gram matrix gives every
 * singular value and the small-side singular vectors exactly (up to the Gram's squared condition),
 * which is what IALM needs to converge to 1e-7 (a randomized SVD stalls near 1e-4 on real video).
 *
 * With Vr the r kept small-side vectors and w_i = 1 - tau / s_i, A = Vr diag(w) Vr^T T (rows <= cols)
 * or T Vr diag(w) Vr^T (rows > cols). Cost: the Gram (n^2 N / 2) plus either two rank-r products
 * (2 r n N) or one n-wide product through W = Vr diag(w) Vr^T (n^2 N), whichever is faster.
 */
/**
 * Singular vectors per block of the rank-r route: the panel holds this many x (long side) numbers
 * (a quarter of a matrix copy for n = 748). Smaller blocks save memory but repeat the large
 * operand's trip through the GEMM (linalg's threaded path copies it into shared memory each call).
 */
export const DEFAULT_PANEL_BLOCK = 192;

/**
 * Above this fraction of n kept vectors, one n-wide product through W = Vr diag(w) Vr^T (2 n^2 N
 * flops) beats the two rank-r products (4 r n N): those run slower per flop (their inner size is
 * a block of r, not n), measured 23.7-25.3 against 27.6-29.1 GFLOP/s for 748 x 76800 with two
 * threads (r = 300-370), so the crossover is near 0.43 n, not n / 2.
 */
const SQUARE_ROUTE_ABOVE = 0.43;

export class GramThresholding {
  readonly #products: DenseProducts;
  #gram: Float64Array | undefined;
  /** The rank-r route's work panel, in the kernel memory (products read and write it in place). */
  #panel: DenseMatrix<Float64Array> | undefined;
  /** Milliseconds spent in each phase since construction (for diagnostics and benchmarks). */
  readonly timings = { gram: 0, eigen: 0, reconstruct: 0 };

  readonly #panelBlock: number;

  constructor(products: DenseProducts, options: { panelBlock?: number } = {}) {
    this.#products = products;
    this.#panelBlock = Math.max(1, Math.floor(options.panelBlock ?? DEFAULT_PANEL_BLOCK));
  }

  /**
   * Singular values of t, descending (clamped at 0), and its small-side singular vectors: all of
   * them, or at least those of the singular values above `vectorsAbove`.
   */
  decompose(
    t: DenseMatrix<Float64Array>,
    vectorsAbove?: number,
  ): {
    singularValues: Float64Array;
    vectors: DenseMatrix<Float64Array>;
  } {
    const n = Math.min(t.rows, t.cols);
    this.#gram ??= new Float64Array(n * n);
    const t0 = performance.now();
    const gram = this.#products.smallGram(t, this.#gram);
    const t1 = performance.now();
    // Eigenvalues of the Gram are squared singular values; the margin keeps every vector whose
    // rounded square root may still exceed vectorsAbove.
    const { values, vectors } = this.#products.symmetricEigen(
      gram,
      vectorsAbove === undefined ? undefined : vectorsAbove * vectorsAbove * (1 - 1e-9),
    );
    this.timings.gram += t1 - t0;
    this.timings.eigen += performance.now() - t1;
    const singularValues = new Float64Array(n);
    for (let i = 0; i < n; i++) singularValues[i] = Math.sqrt(Math.max(values[i]!, 0));
    return { singularValues, vectors };
  }

  /**
   * Writes the thresholded matrix into `out` and returns the number of singular values above tau
   * and all singular values of t.
   */
  apply(
    t: DenseMatrix<Float64Array>,
    tau: number,
    out: Float64Array,
  ): { rank: number; singularValues: Float64Array; vectors: DenseMatrix<Float64Array> } {
    const { singularValues, vectors } = this.decompose(t, tau);
    const n = singularValues.length;
    let rank = 0;
    while (rank < n && singularValues[rank]! > tau) rank++;
    // Only the kept vectors were mapped back (vectors.cols >= rank; n from the plain-JS products).
    const stride = vectors.cols;
    if (rank === 0) {
      out.fill(0);
      return { rank, singularValues, vectors: { rows: n, cols: 0, data: new Float64Array(0) } };
    }
    const started = performance.now();
    // Vr (n x rank) and Vr diag(w).
    const kept = new Float64Array(n * rank);
    const weighted = new Float64Array(n * rank);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < rank; j++) {
        const v = vectors.data[i * stride + j]!;
        kept[i * rank + j] = v;
        weighted[i * rank + j] = v * (1 - tau / singularValues[j]!);
      }
    const byRows = t.rows <= t.cols;
    const p = this.#products;
    if (rank < SQUARE_ROUTE_ABOVE * n) {
      // Two rank-r products, in blocks of singular vectors so the panel stays small
      // (block / n of a matrix copy): out = sum over blocks of Vb (Vb diag(w_b))^T T.
      // Equal blocks: a thin last block runs at half the GEMM's speed.
      const long = byRows ? t.cols : t.rows;
      const blocks = Math.ceil(rank / this.#panelBlock);
      const block = Math.ceil(rank / blocks);
      if (!this.#panel || this.#panel.data.length < block * long) {
        // Grows geometrically with the rank (up to one block) so rising ranks do not reallocate every iteration.
        if (this.#panel) releaseKernelMatrix(this.#panel);
        this.#panel = allocateKernelMatrix(Math.min(this.#panelBlock, Math.max(2 * block, 16)), long);
      }
      for (let j0 = 0; j0 < rank; j0 += block) {
        const b = Math.min(block, rank - j0);
        const vb = { rows: n, cols: b, data: new Float64Array(n * b) };
        const wb = { rows: n, cols: b, data: new Float64Array(n * b) };
        for (let i = 0; i < n; i++)
          for (let j = 0; j < b; j++) {
            vb.data[i * b + j] = kept[i * rank + j0 + j]!;
            wb.data[i * b + j] = weighted[i * rank + j0 + j]!;
          }
        const panelData = this.#panel.data.subarray(0, b * long);
        const accumulate = j0 > 0;
        if (byRows) {
          const panel = p.matmul(wb, t, { transposeA: true, out: panelData }); // b x cols
          p.matmul(vb, panel, { out, accumulate });
        } else {
          const panel = p.matmul(t, vb, { out: panelData }); // rows x b
          p.matmul(panel, wb, { transposeB: true, out, accumulate });
        }
      }
    } else {
      const vr = { rows: n, cols: rank, data: kept };
      const vrw = { rows: n, cols: rank, data: weighted };
      const w = p.matmul(vrw, vr, { transposeB: true }); // n x n, symmetric
      if (byRows) p.matmul(w, t, { out });
      else p.matmul(t, w, { out });
    }
    this.timings.reconstruct += performance.now() - started;
    return { rank, singularValues, vectors: { rows: n, cols: rank, data: kept } };
  }

  /** Frees the panel buffer (the rank-r work matrix) between runs. */
  release(): void {
    if (this.#panel) releaseKernelMatrix(this.#panel);
    this.#panel = undefined;
    this.#gram = undefined;
  }
}
