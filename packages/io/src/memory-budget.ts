import os from 'node:os';
import { InvalidOptionError, ResourceLimitError } from '@lowrank/core';

/**
 * Default share of free memory one decoded video matrix may take. A fifth, because the solvers
 * that follow hold several matrices of the same size: robust PCA keeps M, L, S and a work matrix
 * in the kernels' memory besides the decoded input, five copies in all.
 */
export const DEFAULT_MEMORY_FRACTION = 1 / 5;

/** The default budget in bytes: DEFAULT_MEMORY_FRACTION of the memory free right now. */
export function defaultMemoryBudget(): number {
  return Math.floor(os.freemem() * DEFAULT_MEMORY_FRACTION);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export interface MemoryEstimate {
  bytes: number;
  budget: number;
  fits: boolean;
}

/** Bytes of a frames x pixels matrix: width x height x channels x frames x bytes per element. */
export function estimateVideoBytes(shape: {
  width: number;
  height: number;
  channels?: number;
  frames: number;
  bytesPerElement?: number;
}): number {
  return shape.width * shape.height * (shape.channels ?? 1) * shape.frames * (shape.bytesPerElement ?? 8);
}

/**
 * Throws ResourceLimitError if the decoded matrix would exceed the budget (default a quarter of
 * free memory), proposing a scale and a frame count that would fit.
 */
export function assertFitsMemory(
  shape: { width: number; height: number; channels?: number; frames: number; bytesPerElement?: number },
  options: { budgetBytes?: number; what?: string } = {},
): MemoryEstimate {
  const budget = options.budgetBytes ?? defaultMemoryBudget();
  if (!(Number.isFinite(budget) && budget > 0)) {
    throw new InvalidOptionError('memoryBudget', `${budget} must be a positive number of bytes.`);
  }
  const bytes = estimateVideoBytes(shape);
  if (bytes <= budget) return { bytes, budget, fits: true };
  const ratio = budget / bytes;
  // Scaling both sides by s shrinks the matrix by s^2; round down to a tidy value.
  const scale = Math.floor(Math.sqrt(ratio) * 20) / 20;
  const frames = Math.max(1, Math.floor(shape.frames * ratio));
  const hints: string[] = [];
  if (scale >= 0.05) hints.push(`--scale ${scale} (scale: ${scale})`);
  hints.push(`a frame range of at most ${frames} frames (--frames ${frames}, or count/step)`);
  if ((shape.bytesPerElement ?? 8) === 8) hints.push('float32 storage (half the memory)');
  throw new ResourceLimitError(
    `${options.what ?? 'The video'} needs ${formatBytes(bytes)} as a ${shape.frames} x ${shape.width * shape.height * (shape.channels ?? 1)} matrix, over the memory budget of ${formatBytes(budget)}.`,
    {
      hint: `Use ${hints.join(', or ')}; or raise the budget (memoryBudget) if you have the memory.`,
      neededBytes: bytes,
      budgetBytes: budget,
    },
  );
}
