import { gemmThreads, useWasm } from './backend.js';
import { linalgKernels } from './linalg-kernels.js';
import { type KernelArgumentKind, kernelThreadsReady, type ThreadedKernel } from './threaded-kernels.js';

/**
 * Starts the worker threads now and loads (warming them up) linalg's own kernels and the modules
 * of `kernels`, which otherwise happens inside the first threaded product or pass (about 0.2 s on
 * a 2-core VM): for callers with idle time to spend first, such as the wait for an image decoder
 * working on another thread. Returns false, having done nothing, where the threads do not run.
 */
export function prepareKernelThreads(
  kernels: readonly ThreadedKernel<Record<string, KernelArgumentKind>>[] = [],
): boolean {
  const threads = gemmThreads();
  if (threads < 2 || !useWasm()) return false;
  if (!kernelThreadsReady(linalgKernels.dgemmRows, threads)) return false;
  return kernels.every((kernel) => kernelThreadsReady(kernel, threads));
}
