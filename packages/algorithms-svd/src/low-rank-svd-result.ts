import {
  type DenseMatrix,
  type Diagnostics,
  InvalidOptionError,
  type LowRankFactorization,
  svdStoredNumbers,
} from '@lowrank/core';
import { matmul } from '@lowrank/linalg';
import type { SvdFactors } from './gram-jacobi-svd.js';

/** A low-rank result backed by cached SVD factors: any rank <= `rank` re-slices without recomputing. */
export interface SvdFactorization extends LowRankFactorization {
  readonly singularValues: Float64Array;
  readonly factors: SvdFactors;
  /** m x rank, columns = left singular vectors. */
  readonly u: DenseMatrix<Float64Array>;
  /** n x rank, columns = right singular vectors. */
  readonly v: DenseMatrix<Float64Array>;
}

/** rank-k product U_k diag(s_k) V_k^T as a new rows x cols float64 matrix (zeros for k = 0). */
export function reconstructFromFactors(factors: SvdFactors, k: number): DenseMatrix<Float64Array> {
  const { u, s, v } = factors;
  const m = u.rows;
  const n = v.rows;
  if (k === 0) return { rows: m, cols: n, data: new Float64Array(m * n) };
  // Scaled copies of the first k columns: contiguous operands for the product.
  const us = new Float64Array(m * k);
  for (let r = 0; r < m; r++) {
    const src = r * u.cols;
    const dst = r * k;
    for (let c = 0; c < k; c++) us[dst + c] = u.data[src + c]! * s[c]!;
  }
  const vk = k === v.cols ? v.data : new Float64Array(n * k);
  if (vk !== v.data) for (let r = 0; r < n; r++) vk.set(v.data.subarray(r * v.cols, r * v.cols + k), r * k);
  return matmul(
    { rows: m, cols: k, data: us },
    { rows: n, cols: k, data: vk },
    { transposeB: true },
  ) as DenseMatrix<Float64Array>;
}

function checkRank(requested: number | undefined, rank: number): number {
  if (requested === undefined) return rank;
  if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 0 || requested > rank) {
    throw new InvalidOptionError(
      'rank',
      `expected an integer from 0 to ${rank} (the rank computed), got ${JSON.stringify(requested)}.`,
      {
        hint: 'Factorize again with a larger rank to go beyond it.',
      },
    );
  }
  return requested;
}

/** Wraps factors (u m x r, s, v n x r, r = rank kept) as a LowRankFactorization. */
export function svdFactorization(factors: SvdFactors, diagnostics: Diagnostics): SvdFactorization {
  const rows = factors.u.rows;
  const cols = factors.v.rows;
  const rank = factors.s.length;
  return {
    kind: 'low-rank',
    rows,
    cols,
    rank,
    diagnostics,
    singularValues: factors.s,
    factors,
    u: factors.u,
    v: factors.v,
    reconstruct(k?: number) {
      return reconstructFromFactors(factors, checkRank(k, rank));
    },
    storedNumbers(k?: number) {
      return svdStoredNumbers(rows, cols, checkRank(k, rank));
    },
  };
}
