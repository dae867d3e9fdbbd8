import { createRng, type DenseMatrix } from '@lowrank/core';
import { matmul } from '@lowrank/linalg';
import { describe, expect, it } from 'vitest';
import { blockAverage, blockAveragedPreview, PREVIEW_MAX_PIXELS } from './block-averaged-preview.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function reconstruct({ u, s, v }: { u: DenseMatrix; s: Float64Array; v: DenseMatrix }): Float64Array {
  const us = { rows: u.rows, cols: u.cols, data: Float64Array.from(u.data, (x, i) => x * s[i % u.cols]!) };
  return matmul(us, v, { transposeB: true }).data as Float64Array;
}

describe('blockAverage', () => {
  it('averages b x b blocks, edge blocks over the pixels they have', () => {
    // 3 x 5 in blocks of 2: [[1 2 | 3 4 | 5], [6 7 | 8 9 | 10] ; [11 12 | 13 14 | 15]]
    const plane = { rows: 3, cols: 5, data: Float64Array.from({ length: 15 }, (_, i) => i + 1) };
    const small = blockAverage(plane, 2);
    expect([small.rows, small.cols]).toEqual([2, 3]);
    expect(Array.from(small.data)).toEqual([4, 6, 7.5, 11.5, 13.5, 15]);
  });
});

describe('blockAveragedPreview', () => {
  it('is exact for a rank-3 image constant on the blocks, with orthonormal full-size factors', () => {
    // 1400 x 1000 pixels: over PREVIEW_MAX_PIXELS, so b = 2 (700 x 500 averaged).
    const rows = 1400;
    const cols = 1000;
    expect(rows * cols).toBeGreaterThan(PREVIEW_MAX_PIXELS);
    const rng = createRng(3);
    const a = Float64Array.from({ length: rows / 2 }, () => rng.normal());
    const c = Float64Array.from({ length: rows / 2 }, () => rng.normal());
    const bv = Float64Array.from({ length: cols / 2 }, () => rng.normal());
    const d = Float64Array.from({ length: cols / 2 }, () => rng.normal());
    const plane = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const r = i >> 1;
        const q = j >> 1;
        plane[i * cols + j] = 0.5 + 0.1 * a[r]! * bv[q]! + 0.05 * c[r]! * d[q]!;
      }
    const preview = blockAveragedPreview({ rows, cols, data: plane }, 3);
    expect([preview.u.rows, preview.u.cols, preview.v.rows, preview.v.cols]).toEqual([rows, 3, cols, 3]);
    // The averaged image has rank 3 (the constant and two products): the preview reproduces the image.
    expect(maxAbsDiff(reconstruct(preview), plane)).toBeLessThan(1e-5);
    const gram = matmul(preview.u, preview.u, { transposeA: true }).data;
    expect(maxAbsDiff(gram, [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-10);
    const gramV = matmul(preview.v, preview.v, { transposeA: true }).data;
    expect(maxAbsDiff(gramV, [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-10);
  });

  it('leaves images of at most PREVIEW_MAX_PIXELS unaveraged (b = 1: a plain randomized SVD)', () => {
    const rows = 64;
    const cols = 48;
    const rng = createRng(5);
    const plane = Float64Array.from({ length: rows * cols }, () => rng.normal());
    const preview = blockAveragedPreview({ rows, cols, data: plane }, 48);
    expect(maxAbsDiff(reconstruct(preview), plane)).toBeLessThan(1e-9);
  });
});
