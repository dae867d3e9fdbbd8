import type { DenseMatrix } from '@lowrank/core';
import { gemmThreads, useWasm } from './backend.js';
import { kernelAddress } from './kernel-memory.js';
import { linalgKernels } from './linalg-kernels.js';
import { runKernelOnThreads } from './threaded-kernels.js';

/** Units the threads claim: 256 pages, about 3 ms of page faults apiece. */
const UNIT_BYTES = 1 << 20;

/**
 * Zeroes a kernel matrix on every thread, which faults in its pages there. A fresh allocation's
 * first writes cost more than the work that writes it (4 KiB page faults, about 3 ms per MB on a
 * VM); a caller with idle time (waiting for an image decoder) takes them off the path that
 * follows. The threads claim 1 MB units as they are free, so the calling thread's share shrinks
 * when it shares its core with the decoder. The matrix's values become zero. Returns false, having
 * done nothing, for an ordinary array or where the threads do not run.
 */
export function prefaultKernelMatrix(matrix: DenseMatrix): boolean {
  const start = kernelAddress(matrix.data);
  const threads = gemmThreads();
  if (start < 0 || threads < 2 || !useWasm()) return false;
  return runKernelOnThreads(linalgKernels.fillZeroUnits, threads, {
    start,
    end: start + matrix.data.byteLength,
    unitBytes: UNIT_BYTES,
  });
}
