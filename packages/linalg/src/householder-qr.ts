import { type DenseMatrix, dtypeOf, InvalidInputError, zeros } from '@lowrank/core';
import { assertDense } from './matmul.js';

/**
 * Thin QR of a tall matrix (m >= n) by Householder reflections, computed in float64 whatever the
 * input dtype (results are cast back). Row-major friendly: each reflection is applied in two passes
 * over contiguous rows. Signs are fixed so that diag(R) >= 0, making the factorization unique for
 * full-rank input. Cost about 4 m n^2 flops: meant for the skinny range bases of randomized SVD
 * (n up to a few hundred), not for square matrices of thousands.
 */
export function qrThin(a: DenseMatrix): { q: DenseMatrix; r: DenseMatrix } {
  assertDense(a, 'matrix of qrThin');
  const m = a.rows;
  const n = a.cols;
  if (m < n) {
    throw new InvalidInputError(
      `qrThin needs a tall matrix (rows >= cols) but got ${m} x ${n}; transpose it first or use fewer columns.`,
    );
  }
  const w = Float64Array.from(a.data);
  const taus = new Float64Array(n);
  const acc = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sigma = 0;
    for (let i = j + 1; i < m; i++) {
      const x = w[i * n + j]!;
      sigma += x * x;
    }
    const alpha = w[j * n + j]!;
    if (sigma === 0) {
      taus[j] = 0;
      continue;
    }
    const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + sigma) : Math.sqrt(alpha * alpha + sigma);
    const tau = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) w[i * n + j] = w[i * n + j]! * scale;
    w[j * n + j] = beta;
    taus[j] = tau;
    applyReflector(w, m, n, j, j + 1, w, n, tau, acc);
  }
  const r = zeros(n, n, 'float64');
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r.data[i * n + j] = w[i * n + j]!;
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], accumulated backwards so each step touches a shrinking block.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let j = n - 1; j >= 0; j--) {
    if (taus[j] !== 0) applyReflector(q, m, n, j, j, w, n, taus[j]!, acc);
  }
  for (let j = 0; j < n; j++) {
    if (r.data[j * n + j]! < 0) {
      for (let c = j; c < n; c++) r.data[j * n + c] = -r.data[j * n + c]!;
      for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
    }
  }
  const dtype = dtypeOf(a);
  if (dtype === 'float64') return { q: { rows: m, cols: n, data: q }, r };
  return {
    q: { rows: m, cols: n, data: Float32Array.from(q) },
    r: { rows: n, cols: n, data: Float32Array.from(r.data) },
  };
}

/**
 * target[j:, c0:] -= tau * v (v^T target[j:, c0:]) where v = (1, vs[j+1, j], ..., vs[m-1, j]) is
 * stored below the diagonal of column j of `vs`.
 */
function applyReflector(
  target: Float64Array,
  m: number,
  n: number,
  j: number,
  c0: number,
  vs: Float64Array,
  ldv: number,
  tau: number,
  acc: Float64Array,
): void {
  if (c0 >= n) return;
  for (let c = c0; c < n; c++) acc[c] = target[j * n + c]!;
  for (let i = j + 1; i < m; i++) {
    const v = vs[i * ldv + j]!;
    if (v === 0) continue;
    const row = i * n;
    for (let c = c0; c < n; c++) acc[c] = acc[c]! + v * target[row + c]!;
  }
  for (let c = c0; c < n; c++) acc[c] = acc[c]! * tau;
  for (let c = c0; c < n; c++) target[j * n + c] = target[j * n + c]! - acc[c]!;
  for (let i = j + 1; i < m; i++) {
    const v = vs[i * ldv + j]!;
    if (v === 0) continue;
    const row = i * n;
    for (let c = c0; c < n; c++) target[row + c] = target[row + c]! - v * acc[c]!;
  }
}

/** An orthonormal basis of the column space of a tall matrix: Q of its thin QR. */
export function orthonormalizeColumns(a: DenseMatrix): DenseMatrix {
  return qrThin(a).q;
}
