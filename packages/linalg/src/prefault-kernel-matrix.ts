import type { DenseMatrix } from '@lowrank/core';
import { gemmThreads, useWasm } from './backend.js';
import { kernelAddress, roundUp } from './kernel-memory.js';
import { linalgKernels } from './linalg-kernels.js';
import { runKernelOnThreads } from './threaded-kernels.js';

/** Each thread's share starts on a page boundary, so no page is faulted by two threads. */
const PAGE_BYTES = 4096;

/**
 * Zeroes a kernel matrix on the worker threads, which faults in its pages there. A fresh
 * allocation's first writes cost more than the work that writes it (4 KiB page faults, about 4 ms
 * per MB on a VM); a caller with idle time (waiting for an image decoder) takes them off the path
 * that follows. The matrix's values become zero. Returns false, having done nothing, for an
 * ordinary array or where the threads do not run.
 */
export function prefaultKernelMatrix(matrix: DenseMatrix): boolean {
  const start = kernelAddress(matrix.data);
  const threads = gemmThreads();
  if (start < 0 || threads < 2 || !useWasm()) return false;
  const end = start + matrix.data.byteLength;
  // The workers take it all: the calling thread's core is left to whatever the caller waits for
  // (an image decoder, which writes its own fresh pages meanwhile).
  const workers = threads - 1;
  const share = roundUp(Math.ceil((end - start) / workers), PAGE_BYTES);
  return runKernelOnThreads(linalgKernels.fillZero, threads, {}, (t) => ({
    start: t === 0 ? start : Math.min(end, start + (t - 1) * share),
    end: t === 0 ? start : Math.min(end, start + t * share),
  }));
}
