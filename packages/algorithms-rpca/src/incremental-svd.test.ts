import { createRng } from '@lowrank/core';
import { Matrix, SVD } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { IncrementalSvd } from './incremental-svd.js';

/** Columns as float32 n-vectors. */
function randomColumns(n: number, count: number, seed: number, rank = 0): Float32Array[] {
  const rng = createRng(seed);
  const factors =
    rank > 0 ? Array.from({ length: rank }, () => Float64Array.from({ length: n }, () => rng.normal())) : [];
  return Array.from({ length: count }, () => {
    const x = new Float32Array(n);
    if (rank > 0) {
      for (const f of factors) {
        const w = rng.normal();
        for (let k = 0; k < n; k++) x[k] = x[k]! + w * f[k]!;
      }
    } else {
      for (let k = 0; k < n; k++) x[k] = rng.normal();
    }
    return x;
  });
}

/** The exact SVD of [beta^((t-1)/2) x_1, ..., beta^0 x_t] (what the incremental one tracks). */
function weightedSvd(columns: Float32Array[], beta: number): SVD {
  const n = columns[0]!.length;
  const t = columns.length;
  const m = new Matrix(n, t);
  columns.forEach((x, i) => {
    const w = Math.sqrt(beta) ** (t - 1 - i);
    for (let k = 0; k < n; k++) m.set(k, i, w * x[k]!);
  });
  return new SVD(m, { autoTranspose: true });
}

/** ||P_A - P_B||_2-ish: largest |sin| of the principal angles between two orthonormal bases. */
function subspaceGap(a: Float64Array, b: Matrix, n: number, r: number): number {
  // || (I - B B^T) A ||_F, A n x r row-major, B n x r.
  let worst = 0;
  for (let j = 0; j < r; j++) {
    const col = Float64Array.from({ length: n }, (_, k) => a[k * r + j]!);
    const coef = new Float64Array(r);
    for (let i = 0; i < r; i++) for (let k = 0; k < n; k++) coef[i] = coef[i]! + b.get(k, i) * col[k]!;
    let rest = 0;
    for (let k = 0; k < n; k++) {
      let v = col[k]!;
      for (let i = 0; i < r; i++) v -= b.get(k, i) * coef[i]!;
      rest += v * v;
    }
    worst = Math.max(worst, Math.sqrt(rest));
  }
  return worst;
}

function gramError(u: Float64Array, n: number, r: number): number {
  let worst = 0;
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += u[k * r + i]! * u[k * r + j]!;
      worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
    }
  return worst;
}

describe('IncrementalSvd (Brand, with forgetting)', () => {
  it('matches the exact SVD of the weighted columns while the rank is not truncated', () => {
    const n = 50;
    const beta = 0.9;
    const columns = randomColumns(n, 8, 1);
    const svd = new IncrementalSvd(n, 10);
    svd.start(columns[0]!);
    for (const x of columns.slice(1)) svd.appendColumn(x, beta);
    const exact = weightedSvd(columns, beta);
    expect(svd.rank).toBe(8);
    for (let i = 0; i < 8; i++)
      expect(Math.abs(svd.singularValues[i]! - exact.diagonal[i]!) / exact.diagonal[0]!).toBeLessThan(1e-5);
    const u = svd.orthonormalBasis();
    expect(gramError(u, n, 8)).toBeLessThan(1e-5);
    expect(subspaceGap(u, exact.leftSingularVectors, n, 8)).toBeLessThan(1e-4);
  });

  it('tracks a rank-2 stream exactly with room for 3, and keeps the top 3 of a noisy one', () => {
    const n = 60;
    const beta = 0.95;
    const planted = randomColumns(n, 40, 2, 2);
    const svd = new IncrementalSvd(n, 3);
    svd.start(planted[0]!);
    for (const x of planted.slice(1)) svd.appendColumn(x, beta);
    const exact = weightedSvd(planted, beta);
    // Rank 2 data: the third direction is rounding only, and the top two are exact.
    expect(svd.singularValues[2]! / svd.singularValues[0]!).toBeLessThan(1e-5);
    for (let i = 0; i < 2; i++)
      expect(Math.abs(svd.singularValues[i]! - exact.diagonal[i]!) / exact.diagonal[0]!).toBeLessThan(1e-5);
    const u = svd.orthonormalBasis();
    const top2 = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) for (let j = 0; j < 2; j++) top2[k * 2 + j] = u[k * svd.rank + j]!;
    expect(subspaceGap(top2, exact.leftSingularVectors, n, 2)).toBeLessThan(1e-4);
  });

  it('forgets at rate beta: the old direction fades and the new one takes over', () => {
    const n = 30;
    const beta = 0.8;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    a[0] = 1;
    b[1] = 1;
    // a seen 6 times, then b again and again. Rank 2 holds both: the top direction switches when
    // b's weight sum_{i<t} beta^i passes a's beta^t sum_{i<6} beta^i (the exact weighted SVD).
    // Rank 1 keeps no memory of the b's it dropped: it switches when one b outweighs a's
    // decayed weight, beta^t sum_{i<6} beta^i < 1.
    const weightA = (t: number) => beta ** t * ((1 - beta ** 6) / (1 - beta));
    const weightB = (t: number) => (1 - beta ** t) / (1 - beta);
    for (const maxRank of [2, 1]) {
      const svd = new IncrementalSvd(n, maxRank);
      svd.start(a);
      for (let i = 0; i < 5; i++) svd.appendColumn(a, beta);
      let switchedAt = -1;
      for (let t = 1; t <= 20 && switchedAt < 0; t++) {
        svd.appendColumn(b, beta);
        const top = svd.orthonormalBasis();
        if (Math.abs(top[1 * svd.rank]!) > Math.abs(top[0]!)) switchedAt = t;
      }
      let expected = 1;
      if (maxRank === 2) while (weightB(expected) <= weightA(expected)) expected++;
      else while (weightA(expected) >= 1) expected++;
      expect(switchedAt, `rank ${maxRank}`).toBe(expected);
    }
  });

  it('stays orthonormal over many appends, through the deferred and the explicit rotations', () => {
    const n = 200;
    const svd = new IncrementalSvd(n, 4);
    const columns = randomColumns(n, 600, 3);
    svd.start(columns[0]!);
    for (const x of columns.slice(1)) svd.appendColumn(x, 0.97);
    expect(svd.rank).toBe(4);
    expect(svd.explicitRotations).toBeGreaterThan(0);
    expect(gramError(svd.orthonormalBasis(), n, 4)).toBeLessThan(1e-5);
    // Singular values stay sorted and positive.
    for (let i = 1; i < 4; i++)
      expect(svd.singularValues[i]!).toBeLessThanOrEqual(svd.singularValues[i - 1]!);
    expect(svd.singularValues[3]!).toBeGreaterThan(0);
  });
});
