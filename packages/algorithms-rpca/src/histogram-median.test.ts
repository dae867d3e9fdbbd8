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

  it('medianOfAbsolute: |values| with NaN as 0, and undefined only when the median is at most the bound', () => {
    const selector = new HistogramMedian();
    const rng = createRng(9);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rng.next() * 300);
      const spread = 10 ** (4 * rng.next() - 4);
      const values = Float64Array.from({ length: n }, () =>
        rng.next() < 0.02 ? Number.NaN : (rng.next() < 0.3 ? 0 : spread) * rng.normal(),
      );
      const work = new Float64Array(n);
      const exact = medianInPlace(Float64Array.from(values, (v) => (Number.isNaN(v) ? 0 : Math.abs(v))));
      expect(selector.medianOfAbsolute(values, work, -1)).toBe(exact);
      const bound = spread * rng.next();
      const got = selector.medianOfAbsolute(values, work, bound);
      if (got === undefined) expect(exact).toBeLessThanOrEqual(bound);
      else expect(got).toBe(exact);
    }
  });
});
