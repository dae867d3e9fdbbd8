import { matrixFrom, psnr } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { planarPsnr } from './live-psnr.js';

describe('planarPsnr', () => {
  it('equals core psnr over all channels', () => {
    const original = Float64Array.from({ length: 2 * 12 }, (_, k) => ((k * 7) % 13) / 13);
    const approx = [
      Float64Array.from({ length: 12 }, (_, k) => original[k]! + 0.01 * ((k % 3) - 1)),
      Float64Array.from({ length: 12 }, (_, k) => original[12 + k]! - 0.02),
    ];
    const joined = new Float64Array(24);
    joined.set(approx[0]!, 0);
    joined.set(approx[1]!, 12);
    const expected = psnr(matrixFrom(2, 12, original), matrixFrom(2, 12, joined));
    expect(planarPsnr(original, approx)).toBeCloseTo(expected, 12);
  });

  it('is infinite for an exact copy and refuses mismatched sizes', () => {
    expect(planarPsnr([0.5, 0.25], [[0.5, 0.25]])).toBe(Number.POSITIVE_INFINITY);
    // MSE 0.01 -> 20 dB.
    expect(planarPsnr([0.5, 0.5], [[0.4, 0.6]])).toBeCloseTo(20, 12);
    expect(() => planarPsnr([1, 2, 3], [[1, 2]])).toThrow(RangeError);
  });
});
