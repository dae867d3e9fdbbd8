import { svd, svdFactorization } from '@lowrank/algorithms-svd';
import { createRng, type DenseMatrix, zeros } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { clampedReconstruction, factorBands, imageQuality, planeBands } from './image-quality.js';
import { streamingImageQuality } from './streaming-quality.js';

function randomImage(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const rng = createRng(seed);
  const m = zeros(rows, cols) as DenseMatrix<Float64Array>;
  // Smooth structure plus noise, in [0, 1].
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      m.data[i * cols + j] = Math.min(
        1,
        Math.max(0, 0.5 + 0.3 * Math.sin(i / 5 + j / 7) + 0.1 * rng.normal()),
      );
  return m;
}

describe('streamingImageQuality', () => {
  it("equals imageQuality (core's whole-image SSIM, PSNR, relative error) for any band height", () => {
    for (const [rows, cols] of [
      [40, 33],
      [64, 64],
      [9, 30],
    ] as const) {
      const original = [randomImage(rows, cols, 1), randomImage(rows, cols, 2), randomImage(rows, cols, 3)];
      const approximation = original.map((p, c) => {
        const noisy = randomImage(rows, cols, 10 + c);
        return { rows, cols, data: p.data.map((v, k) => 0.8 * v + 0.2 * noisy.data[k]!) };
      });
      const whole = imageQuality(original, approximation);
      for (const bandRows of [1, 7, 64]) {
        const streamed = streamingImageQuality(original, planeBands(approximation), bandRows);
        expect(streamed.psnr).toBeCloseTo(whole.psnr, 10);
        expect(Math.abs(streamed.ssim - whole.ssim)).toBeLessThan(1e-12);
        expect(Math.abs(streamed.relativeError - whole.relativeError)).toBeLessThan(1e-12);
      }
    }
  });

  it('gives SSIM 1, infinite PSNR and zero error for an exact copy', () => {
    const original = [randomImage(30, 40, 5)];
    const q = streamingImageQuality(original, planeBands(original));
    expect(q).toEqual({ psnr: Number.POSITIVE_INFINITY, ssim: 1, relativeError: 0 });
  });
});

describe('factorBands', () => {
  it('builds the clamped rank-k image band by band, equal to the whole clamped reconstruction', () => {
    const m = randomImage(50, 37, 9);
    const result = svdFactorization(svd(m), { iterations: 1, converged: true, residual: 0, milliseconds: 0 });
    for (const rank of [1, 5, 37]) {
      const whole = clampedReconstruction(result, rank);
      const bands = factorBands([result.factors], rank);
      for (const [first, count] of [
        [0, 16],
        [16, 16],
        [32, 18],
      ] as const) {
        const band = bands(0, first, count);
        for (let k = 0; k < count * 37; k++)
          expect(Math.abs(band[k]! - whole.data[first * 37 + k]!)).toBeLessThan(1e-12);
      }
    }
  });
});
