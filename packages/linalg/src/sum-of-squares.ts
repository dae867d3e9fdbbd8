import { assertFiniteMatrix, type DenseMatrix, isDenseMatrix, type MatrixData } from '@lowrank/core';
import { gemmThreads, useWasm } from './backend.js';
import { allocateKernelMatrix, isKernelArray, isKernelMatrix, releaseKernelMatrix } from './kernel-memory.js';
import { linalgKernels } from './linalg-kernels.js';
import { runKernelOnThreads } from './threaded-kernels.js';

/**
 * Elements a unit (assembly/sum-of-squares.ts): a fixed length, so the sum is the same bits on any
 * number of threads and in JavaScript.
 */
const UNIT_LENGTH = 1 << 16;

/**
 * sum x^2 in float64, by units of UNIT_LENGTH elements, each summed in four partial sums
 * (element i in s[i mod 4], then (s0 + s1) + (s2 + s3)), the units' sums added in order. An array
 * in the kernel memory is summed on the threads (a 24-megapixel float32 image: about 5 ms instead
 * of 35), with the same operations, so the same result.
 */
export function sumOfSquares(a: DenseMatrix | MatrixData): number {
  const data = isDenseMatrix(a) ? a.data : a;
  const units = Math.ceil(data.length / UNIT_LENGTH);
  const threads = gemmThreads();
  if (units >= threads && threads >= 2 && useWasm() && isKernelArray(data)) {
    const partials = allocateKernelMatrix(1, units);
    try {
      const ran =
        isKernelMatrix(partials) &&
        runKernelOnThreads(linalgKernels.sumOfSquaresUnits, threads, {
          data,
          length: data.length,
          float32: data instanceof Float32Array ? 1 : 0,
          unitLength: UNIT_LENGTH,
          out: partials.data,
        });
      if (ran) {
        let sum = 0;
        for (let u = 0; u < units; u++) sum += partials.data[u]!;
        return sum;
      }
    } finally {
      releaseKernelMatrix(partials);
    }
  }
  let sum = 0;
  for (let from = 0; from < data.length; from += UNIT_LENGTH) sum += unitSum(data, from);
  return sum;
}

function unitSum(data: MatrixData, from: number): number {
  const end = Math.min(data.length, from + UNIT_LENGTH);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = from;
  for (; i + 3 < end; i += 4) {
    const x0 = data[i]!;
    const x1 = data[i + 1]!;
    const x2 = data[i + 2]!;
    const x3 = data[i + 3]!;
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
  }
  if (i < end) s0 += data[i]! * data[i]!;
  if (i + 1 < end) s1 += data[i + 1]! * data[i + 1]!;
  if (i + 2 < end) s2 += data[i + 2]! * data[i + 2]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * ||m||_F^2, throwing core's assertFiniteMatrix error when an entry is NaN or infinite: a finite
 * sum has only finite terms, so one (threaded) pass checks the common case, and the entry-by-entry
 * search runs only when the sum is not finite (a bad entry, or squares too big for float64).
 */
export function finiteSumOfSquares(m: DenseMatrix, what = 'matrix'): number {
  const sum = sumOfSquares(m);
  if (!Number.isFinite(sum) || m.rows === 0 || m.cols === 0) assertFiniteMatrix(m, what);
  return sum;
}
