import { createRng, type DenseMatrix } from '@lowrank/core';
import { gram } from '@lowrank/linalg';

/** A rows x cols matrix of standard normal entries, the same for the same seed. */
export function random(rows: number, cols: number, seed: number): DenseMatrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  createRng(seed).fillNormal(data);
  return { rows, cols, data };
}

/** max |Q^T Q - I| over the first `count` columns of q. */
export function orthonormalityError(q: DenseMatrix, count = q.cols): number {
  const g = gram(q, 'AtA').data;
  let worst = 0;
  for (let i = 0; i < count; i++)
    for (let j = 0; j < count; j++) worst = Math.max(worst, Math.abs(g[i * q.cols + j]! - (i === j ? 1 : 0)));
  return worst;
}
