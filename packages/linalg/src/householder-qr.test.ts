import { createRng, type DenseMatrix, InvalidInputError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { orthonormalizeColumns, qrThin } from './householder-qr.js';
import { matmul } from './matmul.js';

function random(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  rng.fillNormal(data);
  return { rows, cols, data };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

describe('qrThin', () => {
  it('factors a 2 x 1 column by hand: [3, 4] = [0.6, 0.8] * 5', () => {
    const { q, r } = qrThin({ rows: 2, cols: 1, data: new Float64Array([3, 4]) });
    expect(q.data[0]).toBeCloseTo(0.6, 15);
    expect(q.data[1]).toBeCloseTo(0.8, 15);
    expect(r.data[0]).toBeCloseTo(5, 14);
  });

  it('matches numpy on a 3 x 2 case (signs normalized so diag(R) > 0)', () => {
    // q, r = np.linalg.qr([[1, 2], [3, 4], [5, 6]]); flip signs so diag(r) > 0
    const { q, r } = qrThin({ rows: 3, cols: 2, data: new Float64Array([1, 2, 3, 4, 5, 6]) });
    const qRef = [0.16903085, 0.89708523, 0.50709255, 0.27602622, 0.84515425, -0.34503278];
    const rRef = [5.91607978, 7.43735744, 0, 0.82807867];
    expect(maxDiff(q.data, qRef)).toBeLessThan(1e-8);
    expect(maxDiff(r.data, rRef)).toBeLessThan(1e-8);
  });

  it('gives orthonormal Q (Q^T Q = I) and Q R = A on tall random matrices', () => {
    for (const [m, n] of [
      [1, 1],
      [5, 5],
      [200, 13],
      [1000, 40],
    ] as const) {
      const a = random(m, n, m + n);
      const { q, r } = qrThin(a);
      expect(maxDiff(matmul(q, q, { transposeA: true }).data, identity(n))).toBeLessThan(1e-13);
      expect(maxDiff(matmul(q, r).data, a.data)).toBeLessThan(1e-12 * Math.sqrt(m));
      for (let i = 0; i < n; i++) {
        expect(r.data[i * n + i]).toBeGreaterThanOrEqual(0);
        for (let j = 0; j < i; j++) expect(r.data[i * n + j]).toBe(0);
      }
    }
  });

  it('stays orthonormal on a rank-deficient input (duplicate and zero columns)', () => {
    const base = random(50, 3, 9);
    const a = { rows: 50, cols: 5, data: new Float64Array(250) };
    for (let i = 0; i < 50; i++) {
      a.data[i * 5] = base.data[i * 3]!;
      a.data[i * 5 + 1] = base.data[i * 3]!;
      a.data[i * 5 + 2] = 0;
      a.data[i * 5 + 3] = base.data[i * 3 + 1]!;
      a.data[i * 5 + 4] = base.data[i * 3 + 2]!;
    }
    const { q, r } = qrThin(a);
    expect(maxDiff(matmul(q, q, { transposeA: true }).data, identity(5))).toBeLessThan(1e-13);
    expect(maxDiff(matmul(q, r).data, a.data)).toBeLessThan(1e-12);
  });

  it('keeps float32 input float32', () => {
    const a = random(30, 4, 2);
    const q = orthonormalizeColumns({ rows: 30, cols: 4, data: Float32Array.from(a.data) });
    expect(q.data).toBeInstanceOf(Float32Array);
    const q64 = { rows: 30, cols: 4, data: Float64Array.from(q.data) };
    expect(maxDiff(matmul(q64, q64, { transposeA: true }).data, identity(4))).toBeLessThan(1e-6);
  });

  it('rejects wide matrices', () => {
    expect(() => qrThin(random(2, 3, 1))).toThrow(InvalidInputError);
  });
});
