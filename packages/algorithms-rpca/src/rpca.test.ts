import { FactorizerRegistry, InvalidOptionError, relativeError, videoMatrixFrom } from '@lowrank/core';
import { assertConformance } from '@lowrank/core/testing';
import { describe, expect, it } from 'vitest';
import { factorizers, rpca } from './index.js';
import { luminanceVideo } from './luminance.js';
import { plantedLowRankPlusSparse } from './test-matrices.js';

describe('rpca plugin', () => {
  it('passes the conformance kit', async () => {
    const report = await assertConformance(rpca);
    // Without a rank option the rank check does not apply; every other check must pass.
    expect(report.results.filter((r) => r.status === 'passed').map((r) => r.name)).toEqual([
      'contract',
      'rejects-bad-options',
      'does-not-mutate-input',
      'honours-abort',
      'seeded-runs-repeat',
      'full-rank-reconstruction',
    ]);
  });

  it('registers and refuses bad options by name', async () => {
    const registry = new FactorizerRegistry();
    for (const f of factorizers) registry.register(f);
    expect(registry.names('low-rank-plus-sparse')).toEqual(['rpca']);
    const m = plantedLowRankPlusSparse({ rows: 20, cols: 10, rank: 1, fraction: 0.05, magnitude: 3 }).matrix;
    await expect(rpca.factorize(m, { rho: 0.5 })).rejects.toThrow(InvalidOptionError);
    await expect(rpca.factorize(m, { colorMode: 'rgb' as never })).rejects.toThrow(/colorMode/);
  });

  it('factorizes a colour video on luminance by default, and in colour with colorMode channels', async () => {
    const frames = 40;
    const width = 6;
    const height = 5;
    const pixels = width * height;
    // A static coloured background plus one bright red block that moves along the frames.
    const data = new Float64Array(frames * pixels * 3);
    for (let f = 0; f < frames; f++)
      for (let p = 0; p < pixels; p++)
        for (let c = 0; c < 3; c++) {
          const background = 0.2 + 0.1 * c + 0.05 * Math.sin(p + c);
          const moving = p === f % pixels && c === 0 ? 0.7 : 0;
          data[(f * pixels + p) * 3 + c] = background + moving;
        }
    const video = videoMatrixFrom(data, { frames, width, height, channels: 3 });
    const gray = await rpca.factorize(video);
    expect(gray.cols).toBe(pixels);
    expect((gray.lowRank as { channels?: number }).channels).toBe(1);
    const luma = luminanceVideo(video);
    expect(
      relativeError(luma, { ...luma, data: gray.lowRank.data.map((v, k) => v + gray.sparse.data[k]!) }),
    ).toBeLessThan(1e-6);

    const colour = await rpca.factorize(video, { colorMode: 'channels' });
    expect(colour.cols).toBe(pixels * 3);
    expect((colour.sparse as { channels?: number }).channels).toBe(3);
    // The moving block is red: in S, the red channel carries it and green/blue stay (near) zero there.
    const f = 7;
    const p = f % pixels;
    const at = (c: number) => colour.sparse.data[(f * pixels + p) * 3 + c]!;
    expect(at(0)).toBeGreaterThan(0.5);
    expect(Math.abs(at(1))).toBeLessThan(0.05);
    expect(Math.abs(at(2))).toBeLessThan(0.05);
  });
});
