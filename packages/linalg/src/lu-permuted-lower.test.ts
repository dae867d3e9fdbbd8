import { createRng, type DenseMatrix } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { luFactor, luPermutedLower } from './lu-permuted-lower.js';
import { matmul } from './matmul.js';

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function random(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  createRng(seed).fillNormal(data);
  return { rows, cols, data };
}

describe('luPermutedLower', () => {
  it('matches the hand-worked 3 x 3 case (same as scipy.linalg.lu(a, permute_l=True)[0])', () => {
    // Pivot 7 (row 3), multipliers 1/7, 4/7; then pivot 6/7 (row 1), multiplier (3/7)/(6/7) = 1/2.
    const a = { rows: 3, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 10]) };
    const pl = luPermutedLower(a);
    expect(maxDiff(pl.data, [1 / 7, 1, 0, 4 / 7, 1 / 2, 1, 1, 0, 0])).toBeLessThan(1e-15);
    const { u } = luFactor(a);
    expect(maxDiff(u.data, [7, 8, 10, 0, 6 / 7, 11 / 7, 0, 0, -1 / 2])).toBeLessThan(1e-14);
  });

  it('matches scipy on a tall 4 x 3 case', () => {
    // scipy.linalg.lu(np.array([[2,1,1],[4,-6,0],[-2,7,2],[1,1,1.]]), permute_l=True)[0]
    const a = { rows: 4, cols: 3, data: new Float64Array([2, 1, 1, 4, -6, 0, -2, 7, 2, 1, 1, 1]) };
    const expected = [0.5, 1, 0, 1, 0, 0, -0.5, 1, 1, 0.25, 0.625, 0.375];
    expect(maxDiff(luPermutedLower(a).data, expected)).toBeLessThan(1e-15);
  });

  it('satisfies P L U = A with |L| <= 1 on random tall, square and wide matrices', () => {
    for (const [m, n] of [
      [1, 1],
      [1, 4],
      [6, 6],
      [300, 20],
      [7, 12],
      // Several panels of 8 columns with the trailing product on the wasm kernels: tall, wide.
      [500, 60],
      [40, 100],
    ] as const) {
      const a = random(m, n, m * 31 + n);
      const { u } = luFactor(a);
      const pl = luPermutedLower(a);
      expect([pl.rows, pl.cols]).toEqual([m, Math.min(m, n)]);
      expect(maxDiff(matmul(pl, u).data, a.data)).toBeLessThan(1e-13);
      for (const v of pl.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same bits on the WebAssembly kernel as in JavaScript (same operations, same order)', () => {
    try {
      for (const [m, n, zeroColumn] of [
        [600, 60, -1],
        [501, 61, 12],
        [70, 140, 3],
      ] as const) {
        const a = random(m, n, m + n);
        if (zeroColumn >= 0) for (let i = 0; i < m; i++) a.data[i * n + zeroColumn] = 0;
        setLinalgBackend('js');
        const js = luFactor(a);
        const plJs = luPermutedLower(a);
        setLinalgBackend('wasm');
        const wasm = luFactor(a);
        expect(Array.from(wasm.perm)).toEqual(Array.from(js.perm));
        expect(wasm.u.data).toEqual(js.u.data);
        expect(wasm.l.data).toEqual(js.l.data);
        expect(luPermutedLower(a).data).toEqual(plJs.data);
      }
    } finally {
      setLinalgBackend('auto');
    }
  });

  it('writes into a given out, old values and all, which may be the input itself', () => {
    for (const [m, n] of [
      [300, 20],
      [40, 60],
    ] as const) {
      const a = random(m, n, 9 + m);
      const expected = luPermutedLower(a).data;
      const out = { rows: m, cols: Math.min(m, n), data: new Float64Array(m * Math.min(m, n)).fill(7) };
      expect(luPermutedLower(a, { out }).data).toBe(out.data);
      expect(out.data).toEqual(expected);
      if (m >= n) {
        const copy = { rows: m, cols: n, data: Float64Array.from(a.data) };
        expect(luPermutedLower(copy, { out: copy }).data).toEqual(expected);
      }
    }
    const a = random(10, 4, 3);
    expect(() => luPermutedLower(a, { out: { rows: 10, cols: 3, data: new Float64Array(30) } })).toThrow(
      /out is 10 x 3 float64; expected 10 x 4 float64/,
    );
  });

  it('keeps P L U = A when a zero column falls in a later panel', () => {
    const a = random(200, 30, 5);
    for (let i = 0; i < 200; i++) a.data[i * 30 + 12] = 0;
    const { u } = luFactor(a);
    const pl = luPermutedLower(a);
    expect(maxDiff(matmul(pl, u).data, a.data)).toBeLessThan(1e-13);
    for (let i = 0; i < 200; i++) if (pl.data[i * 30 + 12] !== 1) expect(pl.data[i * 30 + 12]).toBe(0);
  });

  it('survives a zero column (singular input) and keeps float32 input float32', () => {
    const a = { rows: 3, cols: 2, data: new Float32Array([0, 1, 0, 2, 0, 3]) };
    const pl = luPermutedLower(a);
    expect(pl.data).toBeInstanceOf(Float32Array);
    expect(Array.from(pl.data).every(Number.isFinite)).toBe(true);
    const { u } = luFactor(a);
    const a64 = { rows: 3, cols: 2, data: Float64Array.from(a.data) };
    expect(
      maxDiff(matmul({ rows: 3, cols: 2, data: Float64Array.from(pl.data) }, u).data, a64.data),
    ).toBeLessThan(1e-6);
  });
});
