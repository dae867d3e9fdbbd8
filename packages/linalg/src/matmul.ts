import {
  type DenseMatrix,
  dtypeOf,
  InvalidInputError,
  InvalidOptionError,
  isDenseMatrix,
  type MatrixData,
  zeros,
} from '@lowrank/core';
import { gemm } from './gemm-dispatch.js';

export interface MatmulOptions {
  /** Use A^T instead of A (no copy is made). */
  readonly transposeA?: boolean;
  /** Use B^T instead of B (no copy is made). */
  readonly transposeB?: boolean;
  /** Write into this matrix (shape op(A).rows x op(B).cols, same dtype); must not overlap A or B. */
  readonly out?: DenseMatrix;
  /** Scales the product; default 1. */
  readonly alpha?: number;
  /** Scales the existing `out` before adding; default 0. Only with `out`. */
  readonly beta?: number;
}

/** FLOPs of an m x k by k x n product (multiply and add counted separately). */
export function gemmFlops(m: number, n: number, k: number): number {
  return 2 * m * n * k;
}

export function assertDense(m: unknown, what: string): asserts m is DenseMatrix {
  if (!isDenseMatrix(m)) {
    throw new InvalidInputError(
      `The ${what} is not a dense matrix { rows, cols, data: Float64Array | Float32Array } with data.length === rows * cols.`,
    );
  }
}

function overlaps(x: MatrixData, y: MatrixData): boolean {
  if (x.buffer !== y.buffer) return false;
  const xs = x.byteOffset;
  const ys = y.byteOffset;
  return xs < ys + y.byteLength && ys < xs + x.byteLength;
}

/** C = alpha * op(A) op(B) + beta * C. Both operands (and `out`) share one dtype. */
export function matmul(a: DenseMatrix, b: DenseMatrix, options: MatmulOptions = {}): DenseMatrix {
  assertDense(a, 'left matrix (a) of matmul');
  assertDense(b, 'right matrix (b) of matmul');
  const transposeA = options.transposeA === true;
  const transposeB = options.transposeB === true;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  if (!Number.isFinite(alpha)) throw new InvalidOptionError('alpha', `${alpha} is not a finite number.`);
  if (!Number.isFinite(beta)) throw new InvalidOptionError('beta', `${beta} is not a finite number.`);
  const dtype = dtypeOf(a);
  if (dtypeOf(b) !== dtype) {
    throw new InvalidInputError(
      `matmul operands differ in dtype (${dtype} and ${dtypeOf(b)}); cast one with castMatrix first.`,
    );
  }
  const m = transposeA ? a.cols : a.rows;
  const k = transposeA ? a.rows : a.cols;
  const kb = transposeB ? b.cols : b.rows;
  const n = transposeB ? b.rows : b.cols;
  if (k !== kb) {
    throw new InvalidInputError(
      `matmul shapes do not match: op(A) is ${m} x ${k} and op(B) is ${kb} x ${n}; the inner dimensions must be equal.`,
    );
  }
  const out = options.out;
  if (out === undefined && beta !== 0) {
    throw new InvalidOptionError('beta', `${beta} needs an existing output: pass out (or leave beta at 0).`);
  }
  if (out !== undefined) {
    assertDense(out, 'output (out) of matmul');
    if (out.rows !== m || out.cols !== n) {
      throw new InvalidInputError(
        `matmul output is ${out.rows} x ${out.cols} but the product is ${m} x ${n}.`,
      );
    }
    if (dtypeOf(out) !== dtype)
      throw new InvalidInputError(`matmul output is ${dtypeOf(out)} but the operands are ${dtype}.`);
    if (overlaps(out.data, a.data) || overlaps(out.data, b.data)) {
      throw new InvalidInputError('matmul output shares memory with an operand; pass a separate out matrix.');
    }
  }
  const c = out ?? zeros(m, n, dtype);
  gemm({
    m,
    n,
    k,
    a: { data: a.data, offset: 0, rowStride: transposeA ? 1 : a.cols, colStride: transposeA ? a.cols : 1 },
    b: { data: b.data, offset: 0, rowStride: transposeB ? 1 : b.cols, colStride: transposeB ? b.cols : 1 },
    c: c.data,
    cOffset: 0,
    ldc: n,
    alpha,
    beta,
  });
  return c;
}

/**
 * The symmetric product A^T A ('AtA', cols x cols) or A A^T ('AAt', rows x rows). Only the upper
 * triangle's tiles are computed (about half the flops), then mirrored.
 */
export function gram(a: DenseMatrix, side: 'AtA' | 'AAt'): DenseMatrix {
  assertDense(a, 'matrix of gram');
  if (side !== 'AtA' && side !== 'AAt')
    throw new InvalidOptionError('side', `"${String(side)}" is not 'AtA' or 'AAt'.`);
  const ata = side === 'AtA';
  const size = ata ? a.cols : a.rows;
  const k = ata ? a.rows : a.cols;
  const c = zeros(size, size, dtypeOf(a));
  const rows = { data: a.data, offset: 0, rowStride: a.cols, colStride: 1 };
  const cols = { data: a.data, offset: 0, rowStride: 1, colStride: a.cols };
  gemm({
    m: size,
    n: size,
    k,
    a: ata ? cols : rows,
    b: ata ? rows : cols,
    c: c.data,
    cOffset: 0,
    ldc: size,
    alpha: 1,
    beta: 0,
    upperOnly: true,
  });
  mirrorUpper(c.data, size);
  return c;
}

/** Copies the strict upper triangle onto the lower one. */
export function mirrorUpper(c: MatrixData, size: number): void {
  const B = 64;
  for (let i0 = 0; i0 < size; i0 += B)
    for (let j0 = i0; j0 < size; j0 += B) {
      const iEnd = Math.min(i0 + B, size);
      const jEnd = Math.min(j0 + B, size);
      for (let i = i0; i < iEnd; i++)
        for (let j = Math.max(j0, i + 1); j < jEnd; j++) c[j * size + i] = c[i * size + j]!;
    }
}
