import {
  API_VERSION,
  defineFactorizer,
  type OptionsSpec,
  throwIfAborted,
  toDenseMatrix,
  validateOptions,
} from '@lowrank/core';
import { finiteSumOfSquares } from '@lowrank/linalg';
import { blockKrylovSvdOfFiniteMatrix, DEFAULT_KRYLOV_DEPTH } from './block-krylov-svd.js';
import { type SvdFactorization, svdFactorization } from './low-rank-svd-result.js';
import {
  autoPowerIterations,
  type PowerIterationNormalizer,
  randomizedSvdOfFiniteMatrix,
  type TransposeChoice,
} from './randomized-svd.js';
import { blockKrylovSvdWorkingBytes, randomizedSvdWorkingBytes } from './working-memory.js';

export type RandomizedSvdScheme = 'power-iteration' | 'block-krylov';

export interface RandomizedSvdPluginOptions {
  rank: number;
  oversamples: number;
  powerIterations: number | 'auto';
  normalizer: PowerIterationNormalizer;
  transpose: TransposeChoice;
  seed: number;
  scheme: RandomizedSvdScheme;
}

/** Shared by randomized-svd and svd-background (which adds its own rank default). */
export const randomizedSvdSettingsSpec = {
  oversamples: {
    type: 'integer',
    default: 10,
    min: 0,
    label: 'Oversamples',
    description: 'Extra random directions beyond the rank (scikit-learn n_oversamples).',
  },
  powerIterations: {
    type: 'integer',
    default: 'auto',
    allowAuto: true,
    min: 0,
    label: 'Power iterations',
    description: "Power iterations; auto = 7 if rank < 0.1 min(rows, cols), else 4 (scikit-learn's rule).",
  },
  normalizer: {
    type: 'enum',
    values: ['auto', 'none', 'LU', 'QR'],
    default: 'auto',
    label: 'Normalizer',
    description: 'Normalization between power iterations; auto = none if iterations <= 2, else LU.',
  },
  transpose: {
    type: 'enum',
    values: ['auto', 'always', 'never'],
    default: 'auto',
    label: 'Transpose',
    description: 'Work on the transpose (auto: when the matrix is wider than tall); never copies.',
  },
  seed: {
    type: 'integer',
    default: 0,
    min: 0,
    label: 'Seed',
    description: 'Seed of the random test matrix; equal seeds give identical results.',
  },
} as const;

export const randomizedSvdOptionsSpec: OptionsSpec<RandomizedSvdPluginOptions> = {
  rank: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 'min-dimension',
    label: 'Rank',
    description: 'Singular triplets computed; any smaller rank re-slices without recomputing.',
  },
  ...randomizedSvdSettingsSpec,
  scheme: {
    type: 'enum',
    values: ['power-iteration', 'block-krylov'],
    default: 'power-iteration',
    label: 'Scheme',
    description:
      "power-iteration: scikit-learn's randomized_svd. block-krylov: Musco and Musco's block Krylov iteration, with power iterations as its depth (auto = 2): as accurate from fewer passes over the matrix.",
  },
};

/** Randomized truncated SVD (Halko-Martinsson-Tropp), scikit-learn's randomized_svd in TypeScript. */
export const randomizedSvdFactorizer = defineFactorizer<RandomizedSvdPluginOptions, SvdFactorization>({
  meta: {
    name: 'randomized-svd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'Randomized SVD',
    description: "Truncated SVD by random projections and power iterations, with scikit-learn's defaults.",
  },
  kind: 'low-rank',
  options: randomizedSvdOptionsSpec,
  async factorize(matrix, options, run) {
    const start = performance.now();
    const a = toDenseMatrix(matrix);
    finiteSumOfSquares(a); // the finite check in one pass on the threads (a big image's)
    const opts = validateOptions(randomizedSvdOptionsSpec, options, a);
    throwIfAborted(run?.signal);
    const control = { signal: run?.signal, onProgress: run?.onProgress };
    const krylov = opts.scheme === 'block-krylov';
    const iterations =
      opts.powerIterations !== 'auto'
        ? opts.powerIterations
        : krylov
          ? DEFAULT_KRYLOV_DEPTH
          : autoPowerIterations(opts.rank, a.rows, a.cols);
    const factors = krylov
      ? blockKrylovSvdOfFiniteMatrix(a, opts.rank, { ...opts, depth: iterations, ...control })
      : randomizedSvdOfFiniteMatrix(a, opts.rank, { ...opts, ...control });
    return svdFactorization(factors, {
      iterations,
      converged: true,
      residual: 0,
      milliseconds: performance.now() - start,
    });
  },
  /**
   * For an input in ordinary memory (an image): the power iterations' long x (rank + oversamples)
   * blocks, the small SVD, and a copy of a big input in the kernel memory when two threads run.
   */
  estimateWorkingBytes(shape, options) {
    const opts = validateOptions(randomizedSvdOptionsSpec, options, shape);
    return opts.scheme === 'block-krylov'
      ? blockKrylovSvdWorkingBytes(shape, opts)
      : randomizedSvdWorkingBytes(shape, opts);
  },
});
