import type { MatrixData } from '@lowrank/core';

/**
 * Portable GEMM in plain JavaScript: C = alpha * op(A) op(B) + beta * C on strided storage.
 * op(A)[i, p] = a[aOffset + i * rowStrideA + p * colStrideA] (likewise B), so transposes are just
 * strides and nothing is copied except a packed block of B. Register-blocked 4 x 4 with 16 scalar
 * accumulators (V8 keeps them in registers), blocked over the inner dimension so the packed B
 * block stays in cache.
 */
export interface StridedOperand {
  readonly data: MatrixData;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

export interface GemmProblem {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: StridedOperand;
  readonly b: StridedOperand;
  /** Row-major output with leading dimension `ldc`. */
  readonly c: MatrixData;
  readonly cOffset: number;
  readonly ldc: number;
  readonly alpha: number;
  readonly beta: number;
  /** Compute only 4 x 4 tiles that touch the upper triangle (j >= i); the caller mirrors. */
  readonly upperOnly?: boolean;
}

const KC = 256;

/** C = beta * C over the m x n window (beta 0 clears, so NaN in stale output never leaks through). */
export function scaleOutput(
  c: MatrixData,
  cOffset: number,
  ldc: number,
  m: number,
  n: number,
  beta: number,
): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = row; j < row + n; j++) c[j] = c[j]! * beta;
  }
}

export function gemmJs(p: GemmProblem): void {
  const { m, n, k, a, b, c, cOffset, ldc, alpha, beta } = p;
  scaleOutput(c, cOffset, ldc, m, n, beta);
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  const upperOnly = p.upperOnly === true;
  const ad = a.data;
  const rsA = a.rowStride;
  const csA = a.colStride;
  const panels = Math.ceil(n / 4);
  const packedB = new Float64Array(Math.min(KC, k) * panels * 4);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    packB(b, p0, kc, n, panels, packedB);
    for (let i0 = 0; i0 < m; i0 += 4) {
      const mr = Math.min(4, m - i0);
      // Rows past the edge re-read the last valid row; their results are discarded.
      const a0 = a.offset + i0 * rsA + p0 * csA;
      const a1 = mr > 1 ? a0 + rsA : a0;
      const a2 = mr > 2 ? a0 + 2 * rsA : a0;
      const a3 = mr > 3 ? a0 + 3 * rsA : a0;
      for (let jp = 0; jp < panels; jp++) {
        const j0 = jp * 4;
        if (upperOnly && j0 + 4 <= i0) continue;
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0;
        let c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0;
        let c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        let pb = jp * kc * 4;
        let pa = 0;
        for (let kk = 0; kk < kc; kk++) {
          const x0 = ad[a0 + pa]!;
          const x1 = ad[a1 + pa]!;
          const x2 = ad[a2 + pa]!;
          const x3 = ad[a3 + pa]!;
          const y0 = packedB[pb]!;
          const y1 = packedB[pb + 1]!;
          const y2 = packedB[pb + 2]!;
          const y3 = packedB[pb + 3]!;
          c00 += x0 * y0;
          c01 += x0 * y1;
          c02 += x0 * y2;
          c03 += x0 * y3;
          c10 += x1 * y0;
          c11 += x1 * y1;
          c12 += x1 * y2;
          c13 += x1 * y3;
          c20 += x2 * y0;
          c21 += x2 * y1;
          c22 += x2 * y2;
          c23 += x2 * y3;
          c30 += x3 * y0;
          c31 += x3 * y1;
          c32 += x3 * y2;
          c33 += x3 * y3;
          pa += csA;
          pb += 4;
        }
        const nr = Math.min(4, n - j0);
        const base = cOffset + i0 * ldc + j0;
        if (mr === 4 && nr === 4) {
          let q = base;
          c[q] += alpha * c00;
          c[q + 1] += alpha * c01;
          c[q + 2] += alpha * c02;
          c[q + 3] += alpha * c03;
          q += ldc;
          c[q] += alpha * c10;
          c[q + 1] += alpha * c11;
          c[q + 2] += alpha * c12;
          c[q + 3] += alpha * c13;
          q += ldc;
          c[q] += alpha * c20;
          c[q + 1] += alpha * c21;
          c[q + 2] += alpha * c22;
          c[q + 3] += alpha * c23;
          q += ldc;
          c[q] += alpha * c30;
          c[q + 1] += alpha * c31;
          c[q + 2] += alpha * c32;
          c[q + 3] += alpha * c33;
        } else {
          const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
          for (let r = 0; r < mr; r++)
            for (let s = 0; s < nr; s++) c[base + r * ldc + s] += alpha * tile[r * 4 + s]!;
        }
      }
    }
  }
}

/** Packs op(B)[p0 : p0 + kc, 0 : n] into 4-column panels, zero-padded: panel jp, row kk at (jp*kc + kk)*4. */
function packB(
  b: StridedOperand,
  p0: number,
  kc: number,
  n: number,
  panels: number,
  out: Float64Array,
): void {
  const bd = b.data;
  const rs = b.rowStride;
  const cs = b.colStride;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * 4;
    const nr = Math.min(4, n - j0);
    let q = jp * kc * 4;
    let src = b.offset + p0 * rs + j0 * cs;
    for (let kk = 0; kk < kc; kk++, q += 4, src += rs) {
      for (let s = 0; s < 4; s++) out[q + s] = s < nr ? bd[src + s * cs]! : 0;
    }
  }
}
