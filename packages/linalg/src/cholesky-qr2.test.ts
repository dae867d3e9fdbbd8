import { createRng, type DenseMatrix } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { orthonormalBasis } from './cholesky-qr2.js';
import { qrThin } from './householder-qr.js';
import { matmul } from './matmul.js';

function random(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  createRng(seed).fillNormal(data);
  return { rows, cols, data };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** max |Q^T Q - I|. */
function orthogonalityError(q: DenseMatrix): number {
  const q64 = { rows: q.rows, cols: q.cols, data: Float64Array.from(q.data) };
  const g = matmul(q64, q64, { transposeA: true }).data;
  let worst = 0;
  for (let i = 0; i < q.cols; i++)
    for (let j = 0; j < q.cols; j++)
      worst = Math.max(worst, Math.abs(g[i * q.cols + j]! - (i === j ? 1 : 0)));
  return worst;
}

describe('orthonormalBasis (CholeskyQR2)', () => {
  it("equals Householder QR's Q (diag(R) > 0) on well-conditioned tall matrices, to rounding", () => {
    for (const [m, n] of [
      [2000, 60],
      [300, 20],
      [5, 5],
    ] as const) {
      const a = random(m, n, m + n);
      // Columns of very different scales: conditioning the Gram handles (cond(A) about 1e4).
      for (let i = 0; i < m; i++) a.data[i * n] = a.data[i * n]! * 1e4;
      const q = orthonormalBasis(a);
      expect([q.rows, q.cols]).toEqual([m, n]);
      const difference = maxDiff(q.data, qrThin(a).q.data);
      expect(difference).toBeLessThan(1e-12);
      // Computed by the Cholesky route, not the fallback: the last bits differ.
      if (m > n) expect(difference).toBeGreaterThan(0);
      expect(orthogonalityError(q)).toBeLessThan(1e-14);
    }
  });

  it('keeps float32 float32', () => {
    const a = random(500, 12, 3);
    const q = orthonormalBasis({ rows: 500, cols: 12, data: Float32Array.from(a.data) });
    expect(q.data).toBeInstanceOf(Float32Array);
    expect(orthogonalityError(q)).toBeLessThan(1e-6);
  });

  it('falls back to Householder QR for dependent or nearly dependent columns', () => {
    // Column 3 repeats column 1: the Gram is singular.
    const dependent = random(200, 6, 4);
    for (let i = 0; i < 200; i++) dependent.data[i * 6 + 3] = dependent.data[i * 6 + 1]!;
    expect(orthonormalBasis(dependent).data).toEqual(qrThin(dependent).q.data);
    // A column 1e-9 away from another: cond(A) about 1e9, past CholeskyQR2's safe range.
    const near = random(200, 6, 5);
    for (let i = 0; i < 200; i++) near.data[i * 6 + 4] = near.data[i * 6]! + 1e-9 * near.data[i * 6 + 4]!;
    const q = orthonormalBasis(near);
    expect(q.data).toEqual(qrThin(near).q.data);
    expect(orthogonalityError(q)).toBeLessThan(1e-14);
  });

  it('writes into `out` the same basis, using a float64 input as its workspace', () => {
    const a = random(500, 12, 8);
    const expected = orthonormalBasis(a);
    const out = { rows: 500, cols: 12, data: new Float64Array(500 * 12) };
    const workspace = { rows: 500, cols: 12, data: Float64Array.from(a.data) };
    expect(orthonormalBasis(workspace, { out })).toBe(out);
    expect(out.data).toEqual(expected.data);
    // float32 input: left as it is, the float64 basis in out.
    const single = { rows: 500, cols: 12, data: Float32Array.from(a.data) };
    const before = Float32Array.from(single.data);
    orthonormalBasis(single, { out });
    expect(single.data).toEqual(before);
    expect(maxDiff(out.data, expected.data)).toBeLessThan(1e-5);
    // Dependent columns: Householder's Q, into out too.
    const dependent = random(200, 6, 4);
    for (let i = 0; i < 200; i++) dependent.data[i * 6 + 3] = dependent.data[i * 6 + 1]!;
    const small = { rows: 200, cols: 6, data: new Float64Array(1200) };
    orthonormalBasis({ ...dependent, data: Float64Array.from(dependent.data) }, { out: small });
    expect(small.data).toEqual(qrThin(dependent).q.data);
    expect(() => orthonormalBasis(a, { out: small })).toThrow(/500 x 12 float64/);
  });
});
