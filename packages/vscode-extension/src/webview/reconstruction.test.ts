import { describe, expect, it } from 'vitest';
import { clampPlanes, IncrementalReconstruction } from '../../media/reconstruction.js';
import type { ChannelFactors } from '../shared/protocol.js';

/** The rank-k product in float64, straight from the definition: the reference for the incremental one. */
function reconstructFromFactors(f: ChannelFactors, rows: number, cols: number, rank: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let t = 0; t < Math.min(rank, f.rank); t++) {
      const a = f.s[t]! * f.u[i * f.rank + t]!;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += a * f.v[j * f.rank + t]!;
    }
  return out;
}

/** Random factors (not orthogonal: the arithmetic does not care) from a fixed LCG. */
function randomFactors(rows: number, cols: number, rank: number, seed: number): ChannelFactors {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  };
  return {
    rank,
    u: Float32Array.from({ length: rows * rank }, next),
    s: Float32Array.from({ length: rank }, (_, i) => rank - i),
    v: Float32Array.from({ length: cols * rank }, next),
  };
}

describe('IncrementalReconstruction', () => {
  it('matches a from-scratch rebuild after any walk of the slider', () => {
    const rows = 13;
    const cols = 17;
    const factors = [randomFactors(rows, cols, 9, 1), randomFactors(rows, cols, 9, 2)];
    const inc = new IncrementalReconstruction(factors, rows, cols);
    for (const rank of [1, 2, 9, 8, 3, 3, 7, 0, 5, 9, 1]) {
      const planes = inc.setRank(rank);
      expect(inc.rank).toBe(rank);
      factors.forEach((f, c) => {
        const expected = reconstructFromFactors(f, rows, cols, rank);
        for (let k = 0; k < expected.length; k++)
          expect(Math.abs(planes[c]![k]! - expected[k]!)).toBeLessThan(1e-9);
      });
    }
  });

  it('gives the same planes when a move is spread over steps of a few multiply-adds', () => {
    const rows = 11;
    const cols = 7;
    const factors = [randomFactors(rows, cols, 6, 3), randomFactors(rows, cols, 6, 4)];
    const inc = new IncrementalReconstruction(factors, rows, cols);
    for (const rank of [4, 6, 2, 5]) {
      // 2 channels x 7 columns x |move| terms per row: a budget of 30 is one or two rows a step.
      const steps = inc.stepsTo(rank, 30);
      let yields = 0;
      let step = steps.next();
      for (; !step.done; step = steps.next()) yields++;
      expect(yields).toBeGreaterThanOrEqual(Math.ceil(rows / 2) - 1);
      factors.forEach((f, c) => {
        const expected = reconstructFromFactors(f, rows, cols, rank);
        for (let k = 0; k < expected.length; k++)
          expect(Math.abs(step.value![c]![k]! - expected[k]!)).toBeLessThan(1e-9);
      });
    }
  });

  it('clamps to the computed rank and clamps values to [0, 1] for display', () => {
    const inc = new IncrementalReconstruction([randomFactors(2, 3, 2, 7)], 2, 3);
    inc.setRank(50);
    expect(inc.rank).toBe(2);
    expect(Array.from(clampPlanes([Float64Array.of(-0.5, 0.25, 3)])[0]!)).toEqual([0, 0.25, 1]);
  });
});
