import {
  API_VERSION,
  assertFiniteMatrix,
  defineFactorizer,
  type OptionsSpec,
  throwIfAborted,
  toDenseMatrix,
  validateOptions,
} from '@lowrank/core';
import { svd } from './gram-jacobi-svd.js';
import { type SvdFactorization, svdFactorization } from './low-rank-svd-result.js';
import { takeColumns } from './randomized-svd.js';
import { exactSvdWorkingBytes } from './working-memory.js';

export interface SvdPluginOptions {
  /** Rank kept in the result; 'auto' = min(rows, cols), the full spectrum. */
  rank: number | 'auto';
}

export const svdOptionsSpec: OptionsSpec<SvdPluginOptions> = {
  rank: {
    type: 'integer',
    default: 'auto',
    allowAuto: true,
    min: 1,
    max: 'min-dimension',
    label: 'Rank',
    description:
      'Singular triplets kept (auto: all of them); any smaller rank re-slices without recomputing.',
  },
};

/** Exact SVD (every singular value): the reference method and the one for small images. */
export const svdFactorizer = defineFactorizer<SvdPluginOptions, SvdFactorization>({
  meta: {
    name: 'svd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'Exact SVD',
    description:
      'Exact singular value decomposition (full spectrum, Gram eigendecomposition + Jacobi polish).',
  },
  kind: 'low-rank',
  options: svdOptionsSpec,
  async factorize(matrix, options, run) {
    const start = performance.now();
    const a = toDenseMatrix(matrix);
    assertFiniteMatrix(a);
    const opts = validateOptions(svdOptionsSpec, options, a);
    throwIfAborted(run?.signal);
    const full = svd(a, { signal: run?.signal, onProgress: run?.onProgress });
    const k = opts.rank === 'auto' ? full.s.length : opts.rank;
    const factors =
      k === full.s.length
        ? full
        : { u: takeColumns(full.u, k), s: full.s.slice(0, k), v: takeColumns(full.v, k) };
    return svdFactorization(factors, {
      iterations: 1,
      converged: true,
      residual: 0,
      milliseconds: performance.now() - start,
    });
  },
  /**
   * For an input in ordinary memory (an image): B = A W with its sorted and transposed copies, the
   * Gram matrix and its eigenvectors in arrays, and the products' copies of A and B in the kernel
   * memory: about 5 m n + 6 n^2 numbers for m >= n.
   */
  estimateWorkingBytes(shape, options) {
    const opts = validateOptions(svdOptionsSpec, options, shape);
    return exactSvdWorkingBytes(shape, opts.rank === 'auto' ? Math.min(shape.rows, shape.cols) : opts.rank);
  },
});
