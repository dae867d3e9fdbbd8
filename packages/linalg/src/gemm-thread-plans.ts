import type { MatrixData } from '@lowrank/core';
import { type GemmProblem, scaleOutput } from './gemm-js.js';
import {
  allocationTop,
  growKernelMemory,
  kernelAddress,
  kernelBuffer,
  MAX_KERNEL_MEMORY_BYTES,
  roundUp,
} from './kernel-memory.js';
import { KC, linalgKernels, MC, MR, NC } from './linalg-kernels.js';
import { kernelThreadsReady, runKernelOnCallingThread, runKernelOnThreads } from './threaded-kernels.js';

/**
 * Multi-threaded GEMM (Node only) on linalg's threaded kernels: the operands are copied into the
 * kernel memory once unless they live there already (callers' arrays are ordinary, unshared
 * memory), and one of four plans splits the work between the threads:
 * - rows: each thread packs and multiplies its band of C rows (float32, and products too small for
 *   the others);
 * - columns: each thread its band of C columns (float32 products that are short or very wide);
 * - column units: float64 short or very wide products, by units of NC columns claimed from a
 *   counter, against A packed once;
 * - depth units: float64 deep products with a small C (a Gram, T Z^T), by DEPTH_UNITS depth slices
 *   into partial Cs summed in slice order.
 * Unit plans do not depend on which thread ran which unit, so their results are bit-for-bit the
 * same on any number of threads.
 */

/** Depth slices of a dynamically scheduled deep product (a fixed count: results do not depend on the thread count). */
const DEPTH_UNITS = 16;
/** Largest padded C (elements) split by depth: DEPTH_UNITS partials of it live in the scratch (128 MB). */
const DEPTH_PARTIAL_ELEMENTS = 1 << 20;

let operandBytesCopied = 0;

/** Test hook: bytes of operands the threaded path has copied into its memory so far. */
export function operandBytesCopiedForTests(): number {
  return operandBytesCopied;
}

/** Row bands [start, end) per thread, multiples of MR; balanced by area for the upper triangle. */
export function rowBands(m: number, threads: number, upperOnly: boolean): number[] {
  const cuts = [0];
  for (let t = 1; t < threads; t++) {
    // Upper triangle: rows [0, r) hold r (m - r/2) of the m^2/2 entries.
    const share = t / threads;
    const r = upperOnly ? m * (1 - Math.sqrt(1 - share)) : m * share;
    cuts.push(Math.min(m, Math.max(cuts[t - 1]!, roundUp(Math.round(r), MR))));
  }
  cuts.push(m);
  return cuts;
}

/** Column bands [start, end) per thread, multiples of the micro-tile width nr. */
function columnBands(n: number, threads: number, nr: number): number[] {
  const cuts = [0];
  for (let t = 1; t < threads; t++) cuts.push(Math.min(n, roundUp(Math.round((n * t) / threads), nr)));
  cuts.push(n);
  return cuts;
}

/**
 * C = beta C + alpha (P_0 + ... + P_{units-1}) from the depth slices' partial products (m x ldc
 * each, in the heap from `first`), added in slice order. With upperOnly only the upper triangle
 * (column >= row) is written: that is all the slices computed.
 */
function sumPartials(
  heap: Float64Array,
  first: number,
  partialElements: number,
  ld: number,
  p: GemmProblem,
  c: Float64Array,
): void {
  const { m, n, cOffset, ldc, alpha, beta } = p;
  for (let i = 0; i < m; i++) {
    const row = first + i * ld;
    const dst = cOffset + i * ldc;
    for (let j = p.upperOnly ? i : 0; j < n; j++) {
      let sum = heap[row + j]!;
      for (let u = 1; u < DEPTH_UNITS; u++) sum += heap[row + u * partialElements + j]!;
      c[dst + j] = beta === 0 ? alpha * sum : beta * c[dst + j]! + alpha * sum;
    }
  }
}

/**
 * Runs the product on `threads` threads. Returns false (having done nothing) when the threads
 * cannot start or the operands do not fit the 4 GiB kernel memory; the caller then runs it
 * single-threaded.
 */
export function gemmThreaded(p: GemmProblem, threads: number): boolean {
  const { m, n, k, a, b, c, cOffset, ldc, alpha, beta } = p;
  const f32 = c instanceof Float32Array;
  const esize = f32 ? 4 : 8;
  const nr = f32 ? 8 : 4;
  const nPad = roundUp(n, nr);
  const mPad = roundUp(m, MR);
  // Loading the kernels (first use) writes warm-up scratch where this product's scratch will go.
  if (!kernelThreadsReady(linalgKernels.dgemmRows, threads)) return false;
  // Operands already in the kernel memory (allocateKernelMatrix) are read in place.
  const aHome = kernelAddress(a.data);
  const bHome = kernelAddress(b.data);
  const sameOperand = a.data === b.data;
  // C in the kernel memory, whole 4-row x NR-column tiles, plain or accumulating: the kernels add
  // into it where it lives, with no scratch C and no copy out. With upperOnly they write the tiles
  // that touch the upper triangle, as the copy-out from a scratch C would.
  const cHome = kernelAddress(c);
  const cInPlace = cHome >= 0 && alpha === 1 && (beta === 0 || beta === 1) && m % MR === 0 && n % nr === 0;
  // A short or very wide C (a thin product such as Q^T T, or W T with 748 rows and 76800 columns)
  // is split by columns: split by rows, every thread would pack all of the long operand B. For a
  // thin product that costs more than the arithmetic; for W T, 10% of the time (measured).
  const byColumns = !p.upperOnly && (m <= 2 * MC || m * 32 <= n) && n >= threads * NC;
  const columnUnits = !f32 && byColumns;
  const depthUnits = !f32 && !byColumns && k >= DEPTH_UNITS * KC && mPad * nPad <= DEPTH_PARTIAL_ELEMENTS;
  const wsElems = MC * KC + KC * Math.min(NC, nPad);
  const aBytes = aHome >= 0 ? 0 : roundUp(a.data.length * esize, 64);
  const bBytes = sameOperand || bHome >= 0 ? 0 : roundUp(b.data.length * esize, 64);
  const cBytes = cInPlace || depthUnits ? 0 : roundUp(mPad * nPad * esize, 64);
  // Packed A (column units) or the partial Cs (depth units).
  const unitBytes = columnUnits
    ? Math.ceil(k / KC) * Math.ceil(m / MC) * MC * KC * 8
    : depthUnits
      ? DEPTH_UNITS * mPad * nPad * 8
      : 0;
  const scratch = allocationTop();
  const wsBytes = roundUp(wsElems * esize, 64);
  const needed = scratch + aBytes + bBytes + cBytes + threads * wsBytes + roundUp(unitBytes, 64) + 64;
  if (needed > MAX_KERNEL_MEMORY_BYTES || !growKernelMemory(needed)) return false;
  const buffer = kernelBuffer();
  const heap: MatrixData = f32 ? new Float32Array(buffer) : new Float64Array(buffer);
  const aPtr = aHome >= 0 ? aHome : scratch;
  const bPtr = bHome >= 0 ? bHome : sameOperand ? aPtr : scratch + aBytes;
  const cPtr = cInPlace ? cHome + cOffset * esize : scratch + aBytes + bBytes;
  const cLd = cInPlace ? ldc : nPad;
  const wsPtr = scratch + aBytes + bBytes + cBytes;
  const unitPtr = wsPtr + threads * wsBytes;
  if (aHome < 0) heap.set(a.data, aPtr / esize);
  if (bHome < 0 && !sameOperand) heap.set(b.data, bPtr / esize);
  operandBytesCopied += aBytes + bBytes;
  const aStart = aPtr + a.offset * esize;
  const upperOnly = p.upperOnly === true ? 1 : 0;
  const workspace = (t: number) => ({ ws: wsPtr + t * wsBytes });
  if (depthUnits) {
    runKernelOnThreads(
      linalgKernels.dgemmDepthUnits,
      threads,
      {
        units: DEPTH_UNITS,
        m,
        n,
        k,
        a: aStart,
        rsA: a.rowStride,
        csA: a.colStride,
        b: bPtr + b.offset * esize,
        rsB: b.rowStride,
        csB: b.colStride,
        partials: unitPtr,
        ldc: nPad,
        upperOnly,
      },
      workspace,
    );
    sumPartials(heap as Float64Array, unitPtr / 8, mPad * nPad, nPad, p, c as Float64Array);
    return true;
  }
  // The kernels write every tile of C (padded) except, in a Gram, those below the diagonal, so a
  // C that starts at zero needs no clearing pass: the first k-block stores instead of adding.
  const overwrite = k > 0 && !p.upperOnly && (!cInPlace || beta === 0);
  if (!overwrite && !cInPlace) heap.fill(0, cPtr / esize, cPtr / esize + mPad * nPad);
  else if (!overwrite && beta === 0) scaleOutput(c, cOffset, ldc, m, n, 0);

  if (columnUnits) {
    runKernelOnCallingThread(linalgKernels.dpackAllA, {
      a: aStart,
      rsA: a.rowStride,
      csA: a.colStride,
      m,
      k,
      dst: unitPtr,
    });
    runKernelOnThreads(
      linalgKernels.dgemmColumnUnits,
      threads,
      {
        unitCols: NC,
        m,
        n,
        k,
        aPacked: unitPtr,
        b: bPtr + b.offset * esize,
        rsB: b.rowStride,
        csB: b.colStride,
        c: cPtr,
        ldc: cLd,
        overwrite: overwrite ? 1 : 0,
      },
      workspace,
    );
  } else {
    const bands = byColumns ? columnBands(n, threads, nr) : rowBands(m, threads, upperOnly === 1);
    runKernelOnThreads(
      f32 ? linalgKernels.sgemmRows : linalgKernels.dgemmRows,
      threads,
      {
        k,
        a: aStart,
        rsA: a.rowStride,
        csA: a.colStride,
        rsB: b.rowStride,
        csB: b.colStride,
        ldc: cLd,
        upperOnly,
        overwrite: overwrite ? 1 : 0,
      },
      (t) => {
        const start = bands[t]!;
        const end = bands[t + 1]!;
        return {
          rowStart: byColumns ? 0 : start,
          rowEnd: byColumns ? m : end,
          n: byColumns ? end - start : n,
          b: bPtr + (b.offset + (byColumns ? start * b.colStride : 0)) * esize,
          c: cPtr + (byColumns ? start * esize : 0),
          ws: wsPtr + t * wsBytes,
        };
      },
    );
  }
  if (cInPlace) return true;
  const direct = beta === 0 && alpha === 1;
  if (!direct) scaleOutput(c, cOffset, ldc, m, n, beta);
  const cOff = cPtr / esize;
  for (let i = 0; i < m; i++) {
    const src = cOff + i * nPad;
    const dst = cOffset + i * ldc;
    if (direct) c.set(heap.subarray(src, src + n), dst);
    else for (let j = 0; j < n; j++) c[dst + j] = c[dst + j]! + alpha * heap[src + j]!;
  }
  return true;
}
