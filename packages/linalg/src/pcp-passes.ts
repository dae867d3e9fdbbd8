import { gemmThreads } from './backend.js';
import { runKernelMemoryPass } from './gemm-threads.js';

/**
 * Robust PCA's (inexact ALM) element-wise passes on WebAssembly SIMD threads, for matrices that all
 * live in the kernel memory (allocateKernelMatrix). Each returns null, having done nothing, when
 * that is not the case or threads are unavailable; @lowrank/algorithms-rpca then runs its
 * JavaScript passes, which compute the same entries (sums may differ in the last bits: they are
 * added per unit of 65536 entries, then unit by unit, in the same order on any number of threads).
 */

/** ||D - A - E||_F^2, read only. */
export function pcpResidualOnThreads(d: Float64Array, a: Float64Array, e: Float64Array): number | null {
  const r = runKernelMemoryPass('pcpResidual', [d, a, e], [], gemmThreads());
  return r === null ? null : r.reduce((sum, [squares]) => sum + squares, 0);
}

/**
 * One ALM step after the SVD, in place: Z = D - A - E (its squared norm returned),
 * Y'/mu' = (T - A) * scale, E' = shrink(D - A + Y'/mu', threshold), T' = D - E' + Y'/mu'.
 * Returns ||Z||_F^2 and the non-zero count of E'.
 */
export function pcpUpdateOnThreads(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  t: Float64Array,
  scale: number,
  threshold: number,
): { residualSquared: number; nonZeros: number } | null {
  const r = runKernelMemoryPass('pcpUpdate', [d, a, e, t], [scale, threshold], gemmThreads());
  if (r === null) return null;
  let residualSquared = 0;
  let nonZeros = 0;
  for (const [squares, count] of r) {
    residualSquared += squares;
    nonZeros += count;
  }
  return { residualSquared, nonZeros };
}

/**
 * The start of a run: T = D copied, and D's squared Frobenius norm and largest absolute entry,
 * in one pass. The largest entry is NaN when D holds a NaN (and infinite for an infinity).
 */
export function pcpStartOnThreads(
  d: Float64Array,
  t: Float64Array,
): { frobeniusSquared: number; maxAbs: number } | null {
  const r = runKernelMemoryPass('pcpStart', [d, t], [], gemmThreads());
  if (r === null) return null;
  let frobeniusSquared = 0;
  let maxAbs = 0;
  for (const [squares, largest] of r) {
    frobeniusSquared += squares;
    // Math.max keeps a NaN from any unit.
    maxAbs = Math.max(maxAbs, largest);
  }
  return { frobeniusSquared, maxAbs };
}
