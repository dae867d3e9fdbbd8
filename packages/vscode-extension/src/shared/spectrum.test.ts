import { describe, expect, it } from 'vitest';
import { energyCurve, energyOfChannels } from './spectrum.js';

describe('energyCurve', () => {
  it('is the cumulative share of squared singular values', () => {
    // s = (3, 2, 1): squares 9, 4, 1 of 14.
    const e = energyCurve([3, 2, 1]);
    expect(e[0]).toBeCloseTo(9 / 14, 15);
    expect(e[1]).toBeCloseTo(13 / 14, 15);
    expect(e[2]).toBe(1);
  });

  it('treats an all-zero spectrum as fully kept', () => {
    expect(Array.from(energyCurve([0, 0]))).toEqual([1, 1]);
  });
});

describe('energyOfChannels', () => {
  it('sums kept and total energy over the channels', () => {
    // Channel a: 9, 1 (total 10); channel b: 4, 4 (total 8). Rank 1 keeps (9 + 4) / 18.
    const e = energyOfChannels([
      [3, 1],
      [2, 2],
    ]);
    expect(e[0]).toBeCloseTo(13 / 18, 15);
    expect(e[1]).toBeCloseTo(1, 15);
  });
});
