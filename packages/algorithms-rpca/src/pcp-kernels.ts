import { pcpResidualOnThreads, pcpStartOnThreads, pcpUpdateOnThreads } from './pcp-passes-threaded.js';

/**
 * The element-wise passes of principal component pursuit (inexact ALM), each one loop over the
 * whole matrix with no temporaries (numpy spends about ten passes, and 460 MB temporaries at full
 * video size, on the same step). When every array lives in @lowrank/linalg's kernel memory they
 * run there as WebAssembly SIMD on linalg's threads (pcp-passes-threaded.ts); otherwise the loops
 * below, with the same formulas in the same order per entry.
 *
 * The dual variable Y is never stored. The solver keeps T = M - E + Y/mu (the SVD input); after
 * the SVD gives L, the ALM update Y' = Y + mu (M - L - E) means
 *   Y'/mu' = (Y/mu + M - L - E) mu/mu' = (T - M + E + M - L - E) mu/mu' = (T - L) mu/mu',
 * so M, L, E and T carry everything: four matrices instead of five.
 */

/**
 * The start of a run in one pass: T = D (copied) and D's squared Frobenius norm and largest
 * absolute entry (not a row sum). A NaN in D makes maxAbs NaN, an infinity makes it infinite, so
 * the caller checks the input for non-finite entries from these two numbers.
 */
export function startPass(d: Float64Array, t: Float64Array): { frobeniusSquared: number; maxAbs: number } {
  const threaded = pcpStartOnThreads(d, t);
  if (threaded !== null) return threaded;
  let sum = 0;
  let maxAbs = 0;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    t[k] = v;
    sum += v * v;
    const a = v < 0 ? -v : v;
    // A NaN sticks: no later comparison replaces it.
    if (a > maxAbs || Number.isNaN(a)) maxAbs = a;
  }
  return { frobeniusSquared: sum, maxAbs };
}

/** ||D - A - E||_F^2 (the constraint residual), read only. */
export function residualPass(d: Float64Array, a: Float64Array, e: Float64Array): number {
  const threaded = pcpResidualOnThreads(d, a, e);
  if (threaded !== null) return threaded;
  let sum = 0;
  for (let k = 0; k < d.length; k++) {
    const z = d[k]! - a[k]! - e[k]!;
    sum += z * z;
  }
  return sum;
}

/**
 * One ALM step after the SVD, in place:
 *   Z = D - A - E                         (its squared norm is returned)
 *   Y'/mu' = (T - A) * scale              (scale = mu / mu')
 *   E' = shrink(D - A + Y'/mu', threshold) (threshold = lambda / mu')
 *   T' = D - E' + Y'/mu'
 * With A = 0 and T = D it starts the iteration (Y0/mu0 = D * scale, scale = 1 / (J(M) mu0)).
 * Returns ||Z||_F^2 and the number of non-zero entries of E'.
 */
export function updatePass(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  t: Float64Array,
  scale: number,
  threshold: number,
): { residualSquared: number; nonZeros: number } {
  const threaded = pcpUpdateOnThreads(d, a, e, t, scale, threshold);
  if (threaded !== null) return threaded;
  let sum = 0;
  let nonZeros = 0;
  for (let k = 0; k < d.length; k++) {
    const dk = d[k]!;
    const ak = a[k]!;
    const dMinusA = dk - ak;
    const z = dMinusA - e[k]!;
    sum += z * z;
    const ys = (t[k]! - ak) * scale;
    const v = dMinusA + ys;
    let ek = 0;
    if (v > threshold) ek = v - threshold;
    else if (v < -threshold) ek = v + threshold;
    if (ek !== 0) nonZeros++;
    e[k] = ek;
    t[k] = dk - ek + ys;
  }
  return { residualSquared: sum, nonZeros };
}
