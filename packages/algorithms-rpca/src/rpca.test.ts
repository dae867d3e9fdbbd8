import { FactorizerRegistry, InvalidOptionError, relativeError, videoMatrixFrom } from '@lowrank/core';
import { assertConformance } from '@lowrank/core/testing';
import { describe, expect, it } from 'vitest';
import { factorizers, rpca } from './index.js';
import { luminanceVideo } from './luminance.js';
import { pcpWorkingBytes } from './rpca.js';
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

  // Peak RSS against the estimate is measured by packages/cli/bench/measure-working-memory.mjs;
  // here, what the formula must get right whatever the calibration.
  describe('estimateWorkingBytes', () => {
    const matrix = (rows: number, cols: number) => rows * cols * 8;

    it('is a finite number of bytes for every shape', () => {
      for (const shape of [
        { rows: 1, cols: 1 },
        { rows: 3, cols: 2 },
        { rows: 20, cols: 10 },
        { rows: 748, cols: 76800 },
        { rows: 76800, cols: 748 },
        { rows: 101, cols: 345600 * 3, channels: 3 },
        { rows: 300, cols: 110592, dtype: 'float32' as const },
      ]) {
        const bytes = rpca.estimateWorkingBytes!(shape, {});
        expect(Number.isFinite(bytes)).toBe(true);
        expect(bytes).toBeGreaterThan(
          3 * matrix(shape.rows, shape.cols) * (shape.channels === 3 ? 1 / 3 : 1),
        );
      }
    });

    it('counts L, S and the work matrix: doubling the frames about doubles it', () => {
      const pixels = 76800;
      const extra = pcpWorkingBytes(1496, pixels) - pcpWorkingBytes(748, pixels);
      const grown = matrix(1496, pixels) - matrix(748, pixels);
      // Three matrices, plus the thresholding's panels (N wide, up to 192 rows: the same for both).
      expect(extra).toBeGreaterThan(3 * grown);
      expect(extra).toBeLessThan(3.2 * grown);
      // Beyond the three: between a third and a whole matrix more (panels, scratch, eigensolver).
      const beyond = pcpWorkingBytes(748, pixels) - 3 * matrix(748, pixels);
      expect(beyond).toBeGreaterThan(0.3 * matrix(748, pixels));
      expect(beyond).toBeLessThan(matrix(748, pixels));
    });

    it('adds a whole scratch matrix when L cannot be rebuilt in place (frames not a multiple of 4)', () => {
      const pixels = 345600;
      const odd = pcpWorkingBytes(101, pixels);
      const even = pcpWorkingBytes(100, pixels);
      expect(odd - even).toBeGreaterThan(matrix(104, pixels));
    });

    it('is symmetric in the small and long sides up to the block Krylov route (wide inputs only)', () => {
      expect(pcpWorkingBytes(76800, 748)).toBeLessThan(pcpWorkingBytes(748, 76800));
      expect(pcpWorkingBytes(76800, 748)).toBeGreaterThan(0.8 * pcpWorkingBytes(748, 76800));
    });

    it('colour: luminance works on a gray copy (two more thirds); channels on the whole matrix', () => {
      const shape = { rows: 748, cols: 19200 * 3, channels: 3 };
      const gray = rpca.estimateWorkingBytes!({ rows: 748, cols: 19200, channels: 1 }, {});
      const luminance = rpca.estimateWorkingBytes!(shape, {});
      const channels = rpca.estimateWorkingBytes!(shape, { colorMode: 'channels' });
      expect(luminance - gray).toBe(2 * matrix(748, 19200));
      // Three matrices three times as wide.
      expect(channels - gray).toBeGreaterThan(3 * (matrix(748, 19200 * 3) - matrix(748, 19200)));
      expect(channels).toBe(pcpWorkingBytes(748, 19200 * 3));
    });

    it('does not depend on the solver settings, and refuses bad ones by name', () => {
      const shape = { rows: 300, cols: 4000 };
      expect(rpca.estimateWorkingBytes!(shape, { tolerance: 1e-4, rho: 2 })).toBe(
        rpca.estimateWorkingBytes!(shape),
      );
      expect(() => rpca.estimateWorkingBytes!(shape, { rho: 0.5 })).toThrow(/rho/);
    });
  });
});
