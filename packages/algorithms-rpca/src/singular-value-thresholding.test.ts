import { createRng, type DenseMatrix, relativeError, transpose } from '@lowrank/core';
import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { javascriptProducts } from './dense-products.js';
import { linalgProducts } from './products.js';
import { GramThresholding } from './singular-value-thresholding.js';

/** Singular value thresholding computed from ml-matrix's SVD (the known answer). */
function referenceThresholding(t: DenseMatrix, tau: number): { out: DenseMatrix; rank: number; s: number[] } {
  const rows: number[][] = [];
  for (let i = 0; i < t.rows; i++) rows.push(Array.from(t.data.subarray(i * t.cols, (i + 1) * t.cols)));
  const svd = new SingularValueDecomposition(new MlMatrix(rows), { autoTranspose: true });
  const s = svd.diagonal;
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const out = new Float64Array(t.rows * t.cols);
  let rank = 0;
  for (let k = 0; k < s.length; k++) {
    if (s[k]! <= tau) continue;
    rank++;
    const c = s[k]! - tau;
    for (let i = 0; i < t.rows; i++) {
      const ui = u.get(i, k) * c;
      for (let j = 0; j < t.cols; j++) out[i * t.cols + j]! += ui * v.get(j, k);
    }
  }
  return { out: { rows: t.rows, cols: t.cols, data: out }, rank, s };
}

function randomMatrix(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  createRng(seed).fillNormal(data);
  // A decaying spectrum, like video: scale columns.
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j]! *= 1 + 10 / (1 + j);
  return { rows, cols, data };
}

describe('GramThresholding (singular value thresholding through the small-side Gram matrix)', () => {
  const wide = randomMatrix(260, 340, 5);
  const exact = referenceThresholding(wide, 0);
  const s = exact.s;
  // Rank 3 and 100 take the rank-r route (100: two blocks of 64 singular vectors); rank 200 the n x n route.
  for (const keep of [3, 100, 200]) {
    const tau = (s[keep - 1]! + s[keep]!) / 2;
    const expected = referenceThresholding(wide, tau);
    for (const [label, products] of [
      ['javascript', javascriptProducts],
      ['linalg', linalgProducts],
    ] as const) {
      it(`keeps ${keep} singular values and matches the SVD answer (${label} products, both orientations)`, () => {
        for (const [input, answer] of [
          [wide, expected.out],
          [transpose(wide), transpose(expected.out)],
        ] as const) {
          const out = new Float64Array(input.rows * input.cols);
          const result = new GramThresholding(products, { panelBlock: 64 }).apply(
            input as DenseMatrix<Float64Array>,
            tau,
            out,
          );
          expect(result.rank).toBe(keep);
          expect(relativeError(answer, { rows: input.rows, cols: input.cols, data: out })).toBeLessThan(
            1e-10,
          );
          expect(result.singularValues[0]! / s[0]! - 1).toBeLessThan(1e-12);
        }
      });
    }
  }

  it('returns zero when tau is above every singular value', () => {
    const out = new Float64Array(wide.rows * wide.cols).fill(1);
    const result = new GramThresholding(javascriptProducts).apply(wide, s[0]! * 2, out);
    expect(result.rank).toBe(0);
    expect(out.every((v) => v === 0)).toBe(true);
  });
});
