import type { DenseMatrix } from '@lowrank/core';
import { rowBands } from './gemm-thread-plans.js';
import { allocateKernelMatrix, isKernelArray, isKernelMatrix, kernelAddress } from './kernel-memory.js';
import { linalgKernels } from './linalg-kernels.js';
import {
  kernelThreadsReady,
  kernelThreadsRunning,
  runKernelOnCallingThread,
  runKernelOnThreads,
} from './threaded-kernels.js';

/** Kernel arrays for symmetricUpperProductOnThreads: one length-n accumulator per thread. */
export interface SymmetricProductWorkspace {
  readonly threads: number;
  readonly partials: DenseMatrix<Float64Array>;
}

/**
 * The workspace of symmetricUpperProductOnThreads on `threads` threads (started here). Null when
 * the threads or the kernel memory are unavailable (the caller keeps its JavaScript loop).
 */
export function symmetricProductWorkspace(n: number, threads: number): SymmetricProductWorkspace | null {
  if (!kernelThreadsReady(linalgKernels.symmetricUpperRows, threads)) return null;
  const partials = allocateKernelMatrix(threads, n);
  if (!isKernelMatrix(partials)) return null;
  return { threads, partials };
}

/**
 * y[x0..n) = A[x0.., x0..] v for the symmetric n x n A whose upper triangle is stored row-major in
 * the kernel array `a`, with v = vt[vOffset + j] (vt a kernel array): Householder
 * tridiagonalization's product, in WebAssembly SIMD with the rows split so each thread reads the
 * same share of the triangle. Returns false (having done nothing) when an array is an ordinary one
 * or the threads stopped.
 */
export function symmetricUpperProductOnThreads(
  a: Float64Array,
  n: number,
  x0: number,
  vt: Float64Array,
  vOffset: number,
  y: Float64Array,
  workspace: SymmetricProductWorkspace,
): boolean {
  const { threads, partials } = workspace;
  if (!isKernelArray(a) || !isKernelArray(vt) || !isKernelMatrix(partials) || !kernelThreadsRunning(threads))
    return false;
  // The trailing triangle's rows [x0, n), balanced by area as a Gram's are.
  const cuts = rowBands(n - x0, threads, true).map((row) => x0 + row);
  const yPtr = kernelAddress(partials.data);
  runKernelOnThreads(
    linalgKernels.symmetricUpperRows,
    threads,
    // The kernel reads v_j at v + 8 j for the absolute column j, as vt[vOffset + j].
    { n, a, v: kernelAddress(vt) + vOffset * 8 },
    (t) => ({ rowStart: cuts[t]!, rowEnd: cuts[t + 1]!, y: yPtr + t * n * 8 }),
  );
  const sums = partials.data;
  for (let j = x0; j < n; j++) {
    let sum = 0;
    for (let t = 0; t < threads; t++) if (cuts[t]! <= j) sum += sums[t * n + j]!;
    y[j] = sum;
  }
  return true;
}

/** Householder tridiagonalization's in-panel steps, bound to its arrays in the kernel memory. */
export interface TridiagonalPanelSteps {
  /** Row k of the stale trailing matrix gets the panel's first i updates (columns k..n-1). */
  rowUpdate(k: number, i: number): void;
  /** y[x0..n) -= V (W^T v) + W (V^T v) over the panel's first i reflectors, v = vt[vOffset..]. */
  corrections(vOffset: number, x0: number, i: number): void;
}

/**
 * The in-panel steps of Householder tridiagonalization (assembly/symmetric-product.ts) in
 * WebAssembly SIMD on the calling thread, for the n x n matrix `a`, the panel's reflector rows
 * `vt` and `wt`, and the product `y`, all in the kernel memory. Null (the caller keeps its
 * JavaScript loops) when one is an ordinary array or the threads are not running.
 */
export function tridiagonalPanelSteps(
  a: Float64Array,
  n: number,
  vt: Float64Array,
  wt: Float64Array,
  y: Float64Array,
): TridiagonalPanelSteps | null {
  if (!kernelThreadsRunning() || ![a, vt, wt, y].every(isKernelArray)) return null;
  const vtPtr = kernelAddress(vt);
  return {
    rowUpdate: (k, i) => {
      if (!runKernelOnCallingThread(linalgKernels.panelRowUpdate, { a, vt, wt, n, k, i })) threadsStopped();
    },
    corrections: (vOffset, x0, i) => {
      const v = vtPtr + vOffset * 8;
      if (!runKernelOnCallingThread(linalgKernels.panelCorrections, { vt, wt, v, y, n, x0, i }))
        threadsStopped();
    },
  };
}

function threadsStopped(): never {
  throw new Error('The kernel threads stopped during a tridiagonalization panel.');
}
