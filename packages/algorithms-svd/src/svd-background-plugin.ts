import {
  API_VERSION,
  assertFiniteMatrix,
  type DenseMatrix,
  defineFactorizer,
  isVideoMatrix,
  type LowRankPlusSparseFactorization,
  type OptionsSpec,
  throwIfAborted,
  toDenseMatrix,
  validateOptions,
} from '@lowrank/core';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { autoPowerIterations, randomizedSvd } from './randomized-svd.js';
import { type RandomizedSvdPluginOptions, randomizedSvdSettingsSpec } from './randomized-svd-plugin.js';
import { svdBackgroundWorkingBytes } from './working-memory.js';

export type SvdBackgroundOptions = Omit<RandomizedSvdPluginOptions, 'scheme'>;

export const svdBackgroundOptionsSpec: OptionsSpec<SvdBackgroundOptions> = {
  rank: {
    type: 'integer',
    default: 2,
    min: 1,
    max: 'min-dimension',
    label: 'Rank',
    description: 'Rank of the background L (1-3 suits a fixed camera; more absorbs slow lighting changes).',
  },
  ...randomizedSvdSettingsSpec,
};

/** L + S split with its factors, for UIs that chart the spectrum. */
export interface SvdBackgroundResult extends LowRankPlusSparseFactorization {
  readonly singularValues: Float64Array;
}

/** Copies video metadata (layout, width, height, ...) onto a result of the same shape. */
function likeInput(input: DenseMatrix, data: Float64Array): DenseMatrix<Float64Array> {
  if (isVideoMatrix(input)) {
    const { layout, width, height, channels, fps } = input;
    return {
      rows: input.rows,
      cols: input.cols,
      data,
      layout,
      width,
      height,
      channels,
      ...(fps === undefined ? {} : { fps }),
    } as DenseMatrix<Float64Array>;
  }
  return { rows: input.rows, cols: input.cols, data };
}

/**
 * The cheap background/foreground split: L = the rank-k randomized SVD of the video matrix,
 * S = M - L. A VideoMatrix (frames x pixels) is factorized as it is: the SVD of M^T is the SVD of
 * M with U and V swapped, so no transposed copy is made; L and S keep the input's layout.
 */
export const svdBackgroundFactorizer = defineFactorizer<SvdBackgroundOptions, SvdBackgroundResult>({
  meta: {
    name: 'svd-background',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'SVD background',
    description:
      'Background = rank-k randomized SVD of the video, foreground = the rest (fast, no iterations to converge).',
  },
  kind: 'low-rank-plus-sparse',
  options: svdBackgroundOptionsSpec,
  async factorize(matrix, options, run) {
    const start = performance.now();
    const a = toDenseMatrix(matrix);
    assertFiniteMatrix(a, isVideoMatrix(a) ? 'video matrix' : 'matrix');
    const opts = validateOptions(svdBackgroundOptionsSpec, options, a);
    throwIfAborted(run?.signal);
    const factors = randomizedSvd(a, opts.rank, {
      ...opts,
      signal: run?.signal,
      onProgress: run?.onProgress,
    });
    throwIfAborted(run?.signal);
    const low = reconstructFromFactors(factors, opts.rank).data;
    const sparse = new Float64Array(low.length);
    const m = a.data;
    for (let i = 0; i < sparse.length; i++) sparse[i] = m[i]! - low[i]!;
    const iterations =
      opts.powerIterations === 'auto' ? autoPowerIterations(opts.rank, a.rows, a.cols) : opts.powerIterations;
    return {
      kind: 'low-rank-plus-sparse',
      rows: a.rows,
      cols: a.cols,
      rank: opts.rank,
      lowRank: likeInput(a, low),
      sparse: likeInput(a, sparse),
      singularValues: factors.s,
      diagnostics: { iterations, converged: true, residual: 0, milliseconds: performance.now() - start },
    };
  },
  /**
   * For a video in the kernel memory (as the pipelines decode it): L and S (two matrices of the
   * input's size), the block of L the single-thread kernels build at a time, and the randomized SVD.
   */
  estimateWorkingBytes(shape, options) {
    return svdBackgroundWorkingBytes(shape, validateOptions(svdBackgroundOptionsSpec, options, shape));
  },
});
