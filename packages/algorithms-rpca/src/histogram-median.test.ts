import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { HistogramMedian } from './histogram-median.js';
import { medianInPlace } from './median-absolute.js';

describe('HistogramMedian', () => {
  it('gives medianInPlace to the bit: odd and even counts, ties, zeros, wide and narrow ranges', () => {
    const selector = new HistogramMedian();
    const rng = createRng(4);
    const makers: ((n: number) => Float64Array)[] = [
      (n) => Float64Array.from({ length: n }, () => Math.abs(0.02 * rng.normal())),
      (n) => Float64Array.from({ length: n }, () => (rng.next() < 0.7 ? 0 : rng.next())),
      (n) => Float64Array.from({ length: n }, () => Math.floor(rng.next() * 4) / 255),
      (n) => Float64Array.from({ length: n }, () => 10 ** (12 * rng.next() - 9)),
      (n) => new Float64Array(n).fill(0.25),
      // Two clusters far apart: the middle pair straddles two bins.
      (n) => Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1e-3 : 7) * (1 + 1e-3 * rng.next())),
    ];
    for (const make of makers)
      for (const n of [1, 2, 3, 4, 5, 10, 101, 1000, 4097]) {
        const values = make(n);
        const expected = medianInPlace(values.slice());
        expect({ n, median: selector.median(values.slice()) }).toEqual({ n, median: expected });
      }
    expect(selector.median(new Float64Array(0))).toBe(0);
  });
});
