import { fromRows, type LowRankFactorization } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { extractFactors, reconstructFromFactors } from './svd-factors.js';

/** A 3 x 2 rank-2 matrix with the known SVD diag(3, 1): U = first two columns of I3, V = I2. */
function knownResult(extra: Record<string, unknown>): LowRankFactorization {
  const full = fromRows([
    [3, 0],
    [0, 1],
    [0, 0],
  ]);
  return {
    kind: 'low-rank',
    rows: 3,
    cols: 2,
    rank: 2,
    singularValues: Float64Array.of(3, 1),
    diagnostics: { iterations: 1, converged: true, residual: 0, milliseconds: 0 },
    reconstruct: (k = 2) =>
      k >= 2
        ? full
        : fromRows([
            [3, 0],
            [0, 0],
            [0, 0],
          ]),
    storedNumbers: (k = 2) => k * 6,
    ...extra,
  } as LowRankFactorization;
}

const u = fromRows([
  [1, 0],
  [0, 1],
  [0, 0],
]);
const v = fromRows([
  [1, 0],
  [0, 1],
]);

describe('extractFactors', () => {
  it('takes u and v (cols x rank) and rebuilds the matrix from them', () => {
    const f = extractFactors(knownResult({ u, v }))!;
    expect(f.rank).toBe(2);
    expect(Array.from(f.s)).toEqual([3, 1]);
    expect(Array.from(reconstructFromFactors(f, 3, 2, 1))).toEqual([3, 0, 0, 0, 0, 0]);
    expect(Array.from(reconstructFromFactors(f, 3, 2, 2))).toEqual([3, 0, 0, 1, 0, 0]);
  });

  it('accepts V transposed under vt', () => {
    const vt = fromRows([
      [1, 0],
      [0, 1],
    ]);
    expect(extractFactors(knownResult({ U: u, vt }))?.rank).toBe(2);
  });

  it('rejects factors that do not match the plugin reconstruction', () => {
    const wrongU = fromRows([
      [0, 1],
      [1, 0],
      [0, 0],
    ]);
    expect(extractFactors(knownResult({ u: wrongU, v }))).toBeUndefined();
  });

  it('returns undefined when there are no factors or no singular values', () => {
    expect(extractFactors(knownResult({}))).toBeUndefined();
    expect(extractFactors(knownResult({ u, v, singularValues: undefined }))).toBeUndefined();
  });
});
