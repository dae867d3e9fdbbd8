import { InvalidOptionError, rankForCompressionRatio, rankForEnergy, rankForPsnr } from '@lowrank/core';

/** One of: energy fraction kept, target PSNR (dB), or target compression ratio. */
export type RankTarget =
  | { readonly energy: number }
  | { readonly psnr: number; readonly peak?: number }
  | { readonly compressionRatio: number };

/**
 * The smallest rank reaching an energy fraction or a PSNR (from the full spectrum, by
 * Eckart-Young), or the largest rank still meeting a compression ratio.
 * `singularValues` must be the full spectrum for energy and PSNR targets (the exact `svd`).
 */
export function chooseRank(
  singularValues: ArrayLike<number>,
  rows: number,
  cols: number,
  target: RankTarget,
): number {
  const keys = ['energy', 'psnr', 'compressionRatio'].filter(
    (key) => typeof target === 'object' && target !== null && key in target,
  );
  if (keys.length !== 1) {
    throw new InvalidOptionError(
      'target',
      `give exactly one of energy, psnr, compressionRatio (got ${keys.join(', ') || 'none'}).`,
    );
  }
  if ('energy' in target) return rankForEnergy(singularValues, target.energy);
  if ('psnr' in target) return rankForPsnr(singularValues, rows, cols, target.psnr, target.peak ?? 1);
  if ('compressionRatio' in target) return rankForCompressionRatio(rows, cols, target.compressionRatio);
  throw new InvalidOptionError('target', 'use energy, psnr or compressionRatio.');
}
