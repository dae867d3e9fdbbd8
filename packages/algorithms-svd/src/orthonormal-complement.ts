import { type DenseMatrix, ResourceLimitError } from '@lowrank/core';

/** Largest completed basis (entries) built before refusing: 2^27 float64 = 1 GiB. */
const MAX_ENTRIES = 2 ** 27;

/**
 * An orthonormal basis of the orthogonal complement of the column space of q (m x k, orthonormal
 * columns, k <= m): m x (m - k). Householder QR of q, H_k ... H_1 q = [R; 0], so the complement is
 * H_1 ... H_k [0; I]. Used to complete U or V for the full (non-economy) SVD and to give directions
 * to exactly zero singular values.
 */
export function orthonormalComplement(q: DenseMatrix): DenseMatrix<Float64Array> {
  const m = q.rows;
  const k = q.cols;
  const extra = m - k;
  if (m * extra > MAX_ENTRIES) {
    throw new ResourceLimitError(
      `A full SVD basis of ${m} x ${m} would need ${((m * m * 8) / 2 ** 30).toFixed(1)} GiB.`,
      {
        hint: 'Use the economy SVD (economy: true), which keeps min(rows, cols) singular vectors.',
        neededBytes: m * m * 8,
        budgetBytes: MAX_ENTRIES * 8,
      },
    );
  }
  // Householder vectors stored column-wise as rows of vt (k x m), each contiguous.
  const work = new Float64Array(k * m); // work row j = column j of q
  for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) work[j * m + r] = q.data[r * k + j]!;
  const taus = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const col = j * m;
    let sigma = 0;
    for (let r = j + 1; r < m; r++) sigma += work[col + r]! * work[col + r]!;
    const alpha = work[col + j]!;
    if (sigma === 0) {
      taus[j] = 0;
      work[col + j] = 1;
      continue;
    }
    const norm = Math.sqrt(alpha * alpha + sigma);
    const beta = alpha >= 0 ? -norm : norm;
    taus[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let r = j + 1; r < m; r++) work[col + r]! *= scale;
    work[col + j] = 1;
    // Apply H_j to the remaining columns j+1..k-1.
    for (let c = j + 1; c < k; c++) {
      const other = c * m;
      let dot = 0;
      for (let r = j; r < m; r++) dot += work[col + r]! * work[other + r]!;
      dot *= taus[j]!;
      for (let r = j; r < m; r++) work[other + r]! -= dot * work[col + r]!;
    }
  }
  // Complement columns stored as rows (extra x m), then transposed to m x extra.
  const comp = new Float64Array(extra * m);
  for (let c = 0; c < extra; c++) comp[c * m + k + c] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const t = taus[j]!;
    if (t === 0) continue;
    const col = j * m;
    for (let c = 0; c < extra; c++) {
      const row = c * m;
      let dot = 0;
      for (let r = j; r < m; r++) dot += work[col + r]! * comp[row + r]!;
      dot *= t;
      if (dot === 0) continue;
      for (let r = j; r < m; r++) comp[row + r]! -= dot * work[col + r]!;
    }
  }
  const out = new Float64Array(m * extra);
  for (let c = 0; c < extra; c++) for (let r = 0; r < m; r++) out[r * extra + c] = comp[c * m + r]!;
  return { rows: m, cols: extra, data: out };
}
