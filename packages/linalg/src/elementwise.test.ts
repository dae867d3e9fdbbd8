import { InvalidInputError, InvalidOptionError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { axpby, frobeniusNorm, maxAbs, softThreshold } from './elementwise.js';

describe('element-wise kernels', () => {
  it('soft-thresholds: sign(x) max(|x| - tau, 0), in place too', () => {
    const src = new Float64Array([-3, -1, -0.5, 0, 0.5, 1, 3]);
    const out = new Float64Array(7);
    softThreshold(src, 1, out);
    expect(Array.from(out)).toEqual([-2, 0, 0, 0, 0, 0, 2]);
    const f32 = new Float32Array([2.5, -2.5]);
    softThreshold(f32, 0.5, f32);
    expect(Array.from(f32)).toEqual([2, -2]);
    expect(() => softThreshold(src, -1, out)).toThrow(InvalidOptionError);
    expect(() => softThreshold(src, 1, new Float64Array(3))).toThrow(InvalidInputError);
  });

  it('axpby: y = alpha x + beta y, beta 0 ignores old y', () => {
    const y = new Float64Array([1, 2, 3]);
    axpby(2, new Float64Array([1, 1, 1]), -1, y);
    expect(Array.from(y)).toEqual([1, 0, -1]);
    axpby(1, new Float64Array([1, 1, 1]), 1, y);
    expect(Array.from(y)).toEqual([2, 1, 0]);
    const stale = new Float64Array([Number.NaN, 5]);
    axpby(3, new Float64Array([1, 2]), 0, stale);
    expect(Array.from(stale)).toEqual([3, 6]);
  });

  it('frobeniusNorm: closed forms, odd lengths, over- and underflow', () => {
    expect(frobeniusNorm(new Float64Array([3, 4]))).toBe(5);
    expect(frobeniusNorm({ rows: 1, cols: 5, data: new Float64Array([1, 1, 1, 1, 1]) })).toBeCloseTo(
      Math.sqrt(5),
      15,
    );
    expect(frobeniusNorm(new Float64Array([3e200, 4e200]))).toBeCloseTo(5e200, -186);
    expect(frobeniusNorm(new Float64Array([3e-200, 4e-200])) / 5e-200).toBeCloseTo(1, 14);
    expect(frobeniusNorm(new Float64Array(0))).toBe(0);
    // n ones: sqrt(n), here with a length not a multiple of the 4-way unrolling.
    expect(frobeniusNorm(new Float32Array(1001).fill(1))).toBeCloseTo(Math.sqrt(1001), 12);
  });

  it('maxAbs', () => {
    expect(maxAbs(new Float64Array([1, -7, 3]))).toBe(7);
    expect(maxAbs({ rows: 0, cols: 0, data: new Float64Array(0) })).toBe(0);
    expect(maxAbs(new Float64Array([1, Number.NaN]))).toBeNaN();
  });
});
