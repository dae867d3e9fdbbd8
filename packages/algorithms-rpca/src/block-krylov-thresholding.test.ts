import { relativeError } from '@lowrank/core';
import { releaseKernelMatrix } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { BlockKrylovThresholding, krylovRouteFits } from './block-krylov-thresholding.js';
import { principalComponentPursuit } from './pcp-ialm.js';
import { linalgProducts } from './products.js';
import { GramThresholding } from './singular-value-thresholding.js';
import { plantedLowRankPlusSparse, withSpectrum } from './test-matrices.js';

describe('BlockKrylovThresholding', () => {
  it('thresholds like the exact Gram route when a few singular values pass (within its error budget)', () => {
    // 3 singular values above tau = 10, a slowly decaying tail below it.
    const spectrum = [400, 120, 35];
    for (let i = 0; i < 40; i++) spectrum.push(8 * 0.93 ** i);
    const t = withSpectrum(200, 1500, spectrum, 5);
    const tau = 10;
    const exact = new Float64Array(t.rows * t.cols);
    const gram = new GramThresholding(linalgProducts).apply(t, tau, exact);
    expect(gram.rank).toBe(3);

    const krylov = new BlockKrylovThresholding();
    const out = new Float64Array(t.rows * t.cols);
    const budget = 1e-4;
    expect(krylovRouteFits(t, 3)).toBe(true);
    const outcome = krylov.apply(t, tau, out, {
      vectors: undefined,
      predictedRank: 3,
      seed: 1,
      errorBudget: budget,
    });
    expect(outcome).not.toBeNull();
    expect(outcome!.rank).toBe(3);
    expect(Array.from(outcome!.singularValues).map((s) => Number(s.toFixed(9)))).toEqual([400, 120, 35]);
    let difference = 0;
    for (let i = 0; i < out.length; i++) difference += (out[i]! - exact[i]!) ** 2;
    // The budget bounds the Frobenius error of the thresholded matrix (the estimate is an upper bound here).
    expect(Math.sqrt(difference)).toBeLessThan(budget);
    expect(outcome!.vectors.rows).toBe(200);
    expect(outcome!.vectors.cols).toBe(3);
    krylov.release();
    releaseKernelMatrix(t);
  });

  it('gives up (null, output untouched) when the kept rank outgrows its block', () => {
    const spectrum = Array.from({ length: 60 }, (_, i) => 100 - i);
    const t = withSpectrum(200, 800, spectrum, 6);
    const out = new Float64Array(t.rows * t.cols).fill(7);
    const outcome = new BlockKrylovThresholding().apply(t, 1, out, {
      vectors: undefined,
      predictedRank: 4,
      seed: 1,
      errorBudget: 1e-6,
    });
    expect(outcome).toBeNull();
    expect(out.every((v) => v === 7)).toBe(true);
    releaseKernelMatrix(t);
  });

  it('is used by PCP in its early iterations and converges to the same answer as the Gram route', async () => {
    const planted = plantedLowRankPlusSparse({
      rows: 160,
      cols: 2400,
      rank: 2,
      fraction: 0.05,
      magnitude: 5,
      seed: 9,
    });
    const auto = await principalComponentPursuit(planted.matrix);
    const gramOnly = await principalComponentPursuit(planted.matrix, {}, { svdRoute: 'gram' });
    expect(auto.diagnostics.krylovIterations).toBeGreaterThan(0);
    expect(gramOnly.diagnostics.krylovIterations).toBe(0);
    expect(auto.diagnostics.converged).toBe(true);
    expect(gramOnly.diagnostics.converged).toBe(true);
    expect(auto.rank).toBe(2);
    expect(relativeError(planted.lowRank, auto.lowRank)).toBeLessThan(1e-4);
    // Both solve the same convex problem to tolerance 1e-7.
    expect(relativeError(gramOnly.lowRank, auto.lowRank)).toBeLessThan(1e-5);
    expect(Math.abs(auto.diagnostics.iterations - gramOnly.diagnostics.iterations)).toBeLessThanOrEqual(1);
  });
});
