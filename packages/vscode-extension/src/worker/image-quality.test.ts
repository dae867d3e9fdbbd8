import { matrixFrom } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { clampUnit, imageQuality } from './image-quality.js';

describe('imageQuality', () => {
  it('computes PSNR and relative error over all channels, SSIM averaged', () => {
    const a = matrixFrom(2, 2, Float64Array.of(0.5, 0.5, 0.5, 0.5));
    const b = matrixFrom(2, 2, Float64Array.of(0.4, 0.6, 0.5, 0.5));
    // Channel 1 exact, channel 2 off by 0.1 in two of four pixels: MSE = 0.02 / 8 = 0.0025 -> 26.02 dB.
    const q = imageQuality([a, a], [a, b]);
    expect(q.psnr).toBeCloseTo(10 * Math.log10(1 / 0.0025), 10);
    expect(q.relativeError).toBeCloseTo(Math.sqrt(0.02 / 2), 10);
    expect(q.ssim).toBeLessThan(1);
    expect(imageQuality([a], [a])).toEqual({ psnr: Number.POSITIVE_INFINITY, ssim: 1, relativeError: 0 });
  });

  it('refuses mismatched channel counts; clampUnit clamps in place', () => {
    const a = matrixFrom(1, 2, Float64Array.of(0, 1));
    expect(() => imageQuality([a, a], [a])).toThrow(RangeError);
    const m = matrixFrom(1, 3, Float64Array.of(-1, 0.5, 2));
    expect(clampUnit(m)).toBe(m);
    expect(Array.from(m.data)).toEqual([0, 0.5, 1]);
  });
});
