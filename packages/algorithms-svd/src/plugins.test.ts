import {
  type DenseMatrix,
  FactorizerRegistry,
  relativeError,
  type VideoMatrix,
  videoMatrixFrom,
} from '@lowrank/core';
import { assertConformance } from '@lowrank/core/testing';
import { matmul } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { factorizers, randomizedSvdFactorizer, svdBackgroundFactorizer, svdFactorizer } from './index.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { randomizedSvd } from './randomized-svd.js';
import { random } from './test-matrices.fixture.js';

describe('the three plugins', () => {
  it('pass the conformance kit', async () => {
    for (const plugin of factorizers) {
      const report = await assertConformance(plugin);
      expect(report.results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(6);
    }
  });

  it('register together under their names', () => {
    const registry = new FactorizerRegistry();
    for (const plugin of factorizers) registry.register(plugin);
    expect(factorizers.map((f) => f.meta.name)).toEqual(['svd', 'randomized-svd', 'svd-background']);
  });

  it('re-slice every rank k <= rank from cached factors, and count k(m + n + 1) stored numbers', async () => {
    const a = random(30, 18, 2);
    for (const plugin of [svdFactorizer, randomizedSvdFactorizer]) {
      const result = await plugin.factorize(a, { rank: 8 });
      expect(result.rank).toBe(8);
      expect(result.singularValues.length).toBe(8);
      let previous = Number.POSITIVE_INFINITY;
      for (let k = 0; k <= 8; k++) {
        const approx = result.reconstruct(k);
        expect(approx.data).toEqual(
          reconstructFromFactors({ u: result.u, s: result.singularValues, v: result.v }, k).data,
        );
        const err = relativeError(a, approx);
        expect(err).toBeLessThanOrEqual(previous);
        previous = err;
        expect(result.storedNumbers(k)).toBe(k * (30 + 18 + 1));
      }
      expect(result.storedNumbers()).toBe(8 * 49);
      expect(() => result.reconstruct(9)).toThrow(expect.objectContaining({ option: 'rank' }));
      expect(() => result.storedNumbers(-1)).toThrow(expect.objectContaining({ option: 'rank' }));
    }
    const full = await svdFactorizer.factorize(a);
    expect(full.rank).toBe(18);
    expect(relativeError(a, full.reconstruct())).toBeLessThan(1e-13);
  });

  it('randomized-svd clamps its default rank to small inputs and refuses rank > min(m, n) by name', async () => {
    const small = random(6, 4, 1);
    expect((await randomizedSvdFactorizer.factorize(small)).rank).toBe(4);
    await expect(randomizedSvdFactorizer.factorize(small, { rank: 5 })).rejects.toThrow(
      /"rank".*out of range/,
    );
    await expect(svdFactorizer.factorize(small, { rank: 0 })).rejects.toThrow(
      expect.objectContaining({ option: 'rank' }),
    );
    await expect(svdFactorizer.factorize({ rows: 0, cols: 0, data: new Float64Array(0) })).rejects.toThrow(
      /empty/,
    );
  });
});

describe('svd-background', () => {
  /** A tiny "video": a static background (rank 1) plus a moving bright block. */
  function syntheticVideo(): VideoMatrix<Float64Array> {
    const width = 12;
    const height = 10;
    const frames = 20;
    const pixels = width * height;
    const data = new Float64Array(frames * pixels);
    for (let f = 0; f < frames; f++)
      for (let p = 0; p < pixels; p++) {
        const x = p % width;
        const y = Math.floor(p / width);
        data[f * pixels + p] = 0.3 + 0.02 * x + 0.01 * y;
        if (x === f % width && y >= 3 && y < 6) data[f * pixels + p] = 1;
      }
    return videoMatrixFrom(data, { frames, width, height, fps: 25 });
  }

  it('splits a video matrix into L (rank-k randomized SVD) + S = M - L, keeping the video layout', async () => {
    const video = syntheticVideo();
    const result = await svdBackgroundFactorizer.factorize(video, { rank: 1, seed: 3 });
    expect(result.kind).toBe('low-rank-plus-sparse');
    expect(result.rank).toBe(1);
    const lowRank = result.lowRank as VideoMatrix;
    expect([lowRank.layout, lowRank.width, lowRank.height, lowRank.fps]).toEqual([
      'frames-by-pixels',
      12,
      10,
      25,
    ]);
    for (let i = 0; i < video.data.length; i++)
      expect(result.lowRank.data[i]! + result.sparse.data[i]!).toBeCloseTo(video.data[i]!, 14);
    // L is the rank-1 randomized SVD with the same settings.
    const factors = randomizedSvd(video, 1, { seed: 3 });
    expect(Array.from(result.lowRank.data)).toEqual(Array.from(reconstructFromFactors(factors, 1).data));
    // The moving block lands in S: its pixels carry the largest |S| of their frame.
    const pixels = 120;
    for (const f of [0, 7, 15]) {
      let best = 0;
      let where = -1;
      for (let p = 0; p < pixels; p++) {
        const v = Math.abs(result.sparse.data[f * pixels + p]!);
        if (v > best) {
          best = v;
          where = p;
        }
      }
      expect(where % 12).toBe(f % 12);
    }
  });

  it('defaults to rank 2 and a planted rank-2 video has S ~ 0', async () => {
    const planted = matmul(random(15, 2, 1), random(2, 40, 2)) as DenseMatrix<Float64Array>;
    const video = videoMatrixFrom(planted.data, { frames: 15, width: 8, height: 5 });
    const result = await svdBackgroundFactorizer.factorize(video);
    expect(result.rank).toBe(2);
    let worst = 0;
    for (const v of result.sparse.data) worst = Math.max(worst, Math.abs(v));
    expect(worst).toBeLessThan(1e-12);
  });
});
