import { readFileSync } from 'node:fs';
import { type DenseMatrix, isAbortError, relativeError, transpose } from '@lowrank/core';
import { isKernelMatrix, kernelMatrixBytes, releaseKernelMatrix } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { principalComponentPursuit } from './pcp-ialm.js';
import { plantedLowRankPlusSparse, trajectoryFixtureMatrix } from './test-matrices.js';

const threadsAvailable = typeof SharedArrayBuffer === 'function';

interface TrajectoryFixture {
  command: string;
  rows: number;
  cols: number;
  residuals: number[];
  final: { iterations: number; residual: number; rank: number };
  checksum: number;
}
// Made by fixtures/make-pcp-trajectory.py with the numpy reference's pcp_ialm (command inside the file).
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/pcp-trajectory.json', import.meta.url), 'utf8'),
) as TrajectoryFixture;

function supportMismatches(found: DenseMatrix, planted: DenseMatrix): number {
  let wrong = 0;
  for (let k = 0; k < found.data.length; k++) if ((found.data[k] !== 0) !== (planted.data[k] !== 0)) wrong++;
  return wrong;
}

describe('principalComponentPursuit (inexact ALM)', () => {
  it('follows the numpy reference residual trajectory on the fixture input, in both orientations', async () => {
    const m = trajectoryFixtureMatrix(fixture.rows, fixture.cols);
    let sum = 0;
    for (const v of m.data) sum += v;
    expect(sum).toBeCloseTo(fixture.checksum, 9); // same input as the Python script
    for (const input of [m, transpose(m)]) {
      const result = await principalComponentPursuit(input);
      const ours = result.diagnostics.history;
      expect(result.diagnostics.iterations).toBe(fixture.final.iterations);
      expect(result.rank).toBe(fixture.final.rank);
      expect(result.diagnostics.converged).toBe(true);
      for (let k = 0; k < fixture.residuals.length && k < ours.length; k++) {
        // The reference estimates ||M||_2 with a randomized SVD (we take it exactly); 1e-6 relative covers that.
        expect(Math.abs(ours[k]! - fixture.residuals[k]!) / fixture.residuals[k]!).toBeLessThan(1e-6);
      }
    }
  });

  it('recovers a planted rank-2 matrix and the exact support of 5% large spikes (no noise)', async () => {
    const planted = plantedLowRankPlusSparse({
      rows: 200,
      cols: 120,
      rank: 2,
      fraction: 0.05,
      magnitude: 5,
      seed: 3,
    });
    const result = await principalComponentPursuit(planted.matrix);
    expect(result.diagnostics.converged).toBe(true);
    expect(result.rank).toBe(2);
    expect(relativeError(planted.lowRank, result.lowRank)).toBeLessThan(1e-4);
    expect(supportMismatches(result.sparse, planted.sparse)).toBe(0);
    expect(relativeError(planted.sparse, result.sparse)).toBeLessThan(1e-4);
  });

  it('keeps the low-rank error within the noise level when small dense noise is added', async () => {
    const noise = 1e-3;
    const planted = plantedLowRankPlusSparse({
      rows: 200,
      cols: 120,
      rank: 2,
      fraction: 0.05,
      magnitude: 5,
      noise,
      seed: 4,
    });
    const result = await principalComponentPursuit(planted.matrix);
    const noiseRelative = relativeError(planted.lowRank, {
      ...planted.lowRank,
      data: planted.lowRank.data.map((v, k) => v + planted.noise.data[k]!),
    });
    // ||L - L0||_F within a small multiple of ||N||_F (Candes et al.'s stable PCP bound is O(sqrt(mn)) times; in practice ~1-2x).
    expect(relativeError(planted.lowRank, result.lowRank)).toBeLessThan(2 * noiseRelative);
    // Spikes are 5..10, noise 1e-3: each planted spike is still found.
    let missed = 0;
    for (let k = 0; k < planted.sparse.data.length; k++)
      if (planted.sparse.data[k] !== 0 && Math.abs(result.sparse.data[k]!) < 1) missed++;
    expect(missed).toBe(0);
  });

  it('caps mu at mu0 * muMaxFactor', async () => {
    const m = trajectoryFixtureMatrix();
    const result = await principalComponentPursuit(m, { muMaxFactor: 5, maxIterations: 30 });
    expect(result.diagnostics.finalMu).toBeCloseTo(result.diagnostics.mu0 * 5, 12);
    const uncapped = await principalComponentPursuit(m, { maxIterations: 10, tolerance: 1e-15 });
    expect(uncapped.diagnostics.finalMu).toBeCloseTo(uncapped.diagnostics.mu0 * 1.5 ** 10, 6);
  });

  it('reports progress every iteration and stops on abort', async () => {
    const m = trajectoryFixtureMatrix();
    const seen: number[] = [];
    // Earlier tests' results may still hold kernel memory until they are garbage-collected.
    const bytesBefore = kernelMatrixBytes();
    let bytesDuring = 0;
    const controller = new AbortController();
    const run = principalComponentPursuit(
      m,
      {},
      {
        signal: controller.signal,
        onProgress(p) {
          seen.push(p.iteration!);
          bytesDuring = kernelMatrixBytes();
          expect(p.residual).toBeGreaterThan(0);
          expect(p.rank).toBeGreaterThanOrEqual(0);
          expect(p.sparsity).toBeGreaterThanOrEqual(0);
          if (p.iteration === 3) controller.abort();
        },
      },
    );
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    // M, L, S and T lived in linalg's kernel memory (where threads are supported); the abort must
    // have released all four.
    expect(bytesDuring).toBeGreaterThanOrEqual(threadsAvailable ? 4 * m.rows * m.cols * 8 : 0);
    // (Earlier tests' results may have been collected meanwhile, so at most what it was.)
    expect(kernelMatrixBytes()).toBeLessThanOrEqual(bytesBefore);
  });

  it('hands L and S to the caller in kernel memory, freed on release', async () => {
    const m = trajectoryFixtureMatrix();
    const result = await principalComponentPursuit(m, { maxIterations: 3 });
    const matrixBytes = Math.ceil((m.rows * m.cols * 8) / 64) * 64;
    expect(isKernelMatrix(result.lowRank)).toBe(threadsAvailable);
    expect(isKernelMatrix(result.sparse)).toBe(threadsAvailable);
    // Synchronous from here: no finalizer of an earlier result can run in between.
    const held = kernelMatrixBytes();
    releaseKernelMatrix(result.lowRank);
    releaseKernelMatrix(result.sparse);
    expect(held - kernelMatrixBytes()).toBe(threadsAvailable ? 2 * matrixBytes : 0);
  });

  it('refuses a NaN or infinite entry by its position, releasing its kernel memory', async () => {
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY]) {
      const m = trajectoryFixtureMatrix();
      const at = 3 * m.cols + 5;
      m.data[at] = bad;
      const bytesBefore = kernelMatrixBytes();
      await expect(principalComponentPursuit(m, { maxIterations: 3 })).rejects.toThrow(/row 3, column 5/);
      expect(kernelMatrixBytes()).toBe(bytesBefore);
    }
  });

  it('reports non-convergence honestly when the iteration budget runs out', async () => {
    const result = await principalComponentPursuit(trajectoryFixtureMatrix(), { maxIterations: 4 });
    expect(result.diagnostics.iterations).toBe(4);
    expect(result.diagnostics.converged).toBe(false);
    expect(result.diagnostics.history).toHaveLength(4);
  });
});
