import { createRng, type DenseMatrix } from '@lowrank/core';
import { qrThin } from '@lowrank/linalg';
import { rayleighRitz, ritzResidualNorms } from './block-krylov-thresholding.js';
import type { DenseProducts } from './dense-products.js';

/**
 * ||T||_2 by block power iteration on the small-side Gram matrix G (T T^T or T^T T, never formed),
 * for inputs whose top singular value dominates, as a fixed-camera video's static background does:
 * a few passes over T instead of the whole Gram product and its eigendecomposition.
 *
 * The answer is accepted only with a proof of its accuracy. With theta the top Ritz value, r its
 * residual and beta = ||T||_F^2 - theta, every other eigenvalue of G is at most beta (they are
 * non-negative and sum with the top one, which is at least theta, to the trace). When beta < theta,
 * Kato-Temple's bound puts the top eigenvalue in [theta, theta + |r|^2 / (theta - beta)]; the
 * result is returned once that interval is within a few rounding errors, else undefined (the caller
 * then takes the exact Gram route).
 */
const BLOCK = 4;
const MAX_ITERATIONS = 8;
const RELATIVE_TOLERANCE = 1e-15;

export function blockPowerSpectralNorm(
  t: DenseMatrix<Float64Array>,
  frobeniusSquared: number,
  products: DenseProducts,
): number | undefined {
  const wide = t.rows <= t.cols;
  const n = wide ? t.rows : t.cols;
  const b = Math.min(BLOCK, n);
  if (n < 2 * BLOCK || !(frobeniusSquared > 0)) return undefined;
  const rng = createRng(1);
  let q: DenseMatrix<Float64Array> = { rows: n, cols: b, data: new Float64Array(n * b) };
  for (let i = 0; i < q.data.length; i++) q.data[i] = rng.normal();
  q = qrThin(q).q as DenseMatrix<Float64Array>;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // W = G Q through T: Z = op(T)^T Q side first, then back.
    const z = wide
      ? products.matmul(q, t, { transposeA: true }) // b x N
      : products.matmul(t, q, {}); // N x b
    const w = wide
      ? products.matmul(t, z, { transposeB: true }) // n x b
      : products.matmul(t, z, { transposeA: true }); // n x b
    const ritz = rayleighRitz(q.data, w.data, n, b);
    const theta = ritz.values[0]!;
    const residual = ritzResidualNorms(ritz, q.data, w.data, n, b, 1)[0]!;
    const residualSquared = residual * residual;
    const beta = frobeniusSquared - theta;
    if (theta > 0 && beta < theta) {
      const bound = residualSquared / (theta - beta);
      if (bound <= RELATIVE_TOLERANCE * theta) return Math.sqrt(theta);
    }
    q = qrThin(w).q as DenseMatrix<Float64Array>;
  }
  return undefined;
}
