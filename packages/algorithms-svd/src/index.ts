import type { AnyBatchFactorizer } from '@lowrank/core';
import { randomizedSvdFactorizer } from './randomized-svd-plugin.js';
import { svdBackgroundFactorizer } from './svd-background-plugin.js';
import { svdFactorizer } from './svd-plugin.js';

export {
  type BlockKrylovSvdOptions,
  blockKrylovSvd,
  DEFAULT_KRYLOV_DEPTH,
} from './block-krylov-svd.js';
export {
  type ChannelMode,
  type CompressedImage,
  type CompressImageOptions,
  compressImage,
} from './compress-image.js';
export { applySignConvention, type SvdFactors, type SvdOptions, svd } from './gram-jacobi-svd.js';
export { reconstructFromFactors, type SvdFactorization, svdFactorization } from './low-rank-svd-result.js';
export { orthonormalComplement } from './orthonormal-complement.js';
export {
  autoPowerIterations,
  type PowerIterationNormalizer,
  type RandomizedSvdOptions,
  randomizedSvd,
  type TransposeChoice,
  takeColumns,
} from './randomized-svd.js';
export {
  type RandomizedSvdPluginOptions,
  randomizedSvdFactorizer,
  randomizedSvdOptionsSpec,
} from './randomized-svd-plugin.js';
export { chooseRank, type RankTarget } from './rank-choice.js';
export {
  type SvdBackgroundOptions,
  type SvdBackgroundResult,
  svdBackgroundFactorizer,
  svdBackgroundOptionsSpec,
} from './svd-background-plugin.js';
export { type SvdPluginOptions, svdFactorizer, svdOptionsSpec } from './svd-plugin.js';

/** The three built-in plugins, for registries: svd, randomized-svd, svd-background. */
export const factorizers: readonly AnyBatchFactorizer[] = [
  svdFactorizer,
  randomizedSvdFactorizer,
  svdBackgroundFactorizer,
];
