import { gemmThreads, useWasm } from './backend.js';
import { linalgKernels } from './linalg-kernels.js';
import { type KernelArgumentKind, kernelModulesReady, type ThreadedKernel } from './threaded-kernels.js';
import { spawnWorkerPool } from './worker-pool.js';

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
  // All modules at once: their warm-ups share one set of pauses (about 40 ms, not 40 a module).
  return kernelModulesReady([linalgKernels.dgemmRows, ...kernels], threads);
}

/**
 * Spawns the worker threads and returns at once, for a program that knows early that it will
 * compute (a CLI command, before it loads the rest of its modules): each worker's start-up (Node's
 * bootstrap, on its own thread) overlaps the caller's work, and the first threaded call or
 * prepareKernelThreads only waits for what is left. False, having done nothing, where the threads
 * do not run.
 */
export function spawnKernelThreads(): boolean {
  const threads = gemmThreads();
  if (threads < 2 || !useWasm()) return false;
  return spawnWorkerPool(threads);
}
