import { gemmThreads } from './backend.js';
import { runKernelMemoryPass } from './gemm-threads.js';

/**
 * Robust PCA's (inexact ALM) element-wise passes on WebAssembly SIMD threads, for matrices that all
 * live in the kernel memory (allocateKernelMatrix). Each returns null, having done nothing, when
 * that is not the case or threads are unavailable; @lowrank/algorithms-rpca then runs its
 * JavaScript passes, which compute the same entries (sums may differ in the last bits: the
 * threads add their partial sums in a different order).
 */

/** E = shrink(D - A + Y/mu, lambda/mu); T = D - E + Y/mu. Returns the non-zero count of E. */
export function pcpSparseUpdateOnThreads(
  d: Float64Array,
  a: Float64Array,
  y: Float64Array,
  e: Float64Array,
  t: Float64Array,
  invMu: number,
  lambda: number,
): number | null {
  const r = runKernelMemoryPass('pcpSparseUpdate', [d, a, y, e, t], [invMu, lambda * invMu], gemmThreads());
  return r === null ? null : r.nonZeros;
}

/** Z = D - A - E; Y += mu Z. Returns ||Z||_F^2. */
export function pcpResidualAndDualOnThreads(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  y: Float64Array,
  mu: number,
): number | null {
  const r = runKernelMemoryPass('pcpResidualAndDual', [d, a, e, y], [mu], gemmThreads());
  return r === null ? null : r.sumOfSquares;
}

/** The two passes above in one sweep (iteration k's dual update, iteration k + 1's sparse update). */
export function pcpDualAndSparseOnThreads(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  y: Float64Array,
  t: Float64Array,
  mu: number,
  nextInvMu: number,
  lambda: number,
): { residualSquared: number; nonZeros: number } | null {
  const r = runKernelMemoryPass(
    'pcpDualAndSparse',
    [d, a, e, y, t],
    [mu, nextInvMu, lambda * nextInvMu],
    gemmThreads(),
  );
  return r === null ? null : { residualSquared: r.sumOfSquares, nonZeros: r.nonZeros };
}
