import { forcedWasm, gemmThreads, useWasm } from './backend.js';
import { type GemmProblem, gemmJs } from './gemm-js.js';
import { gemmThreaded } from './gemm-threads.js';
import { gemmWasm } from './gemm-wasm.js';

/** Below this many multiply-adds the packing into WebAssembly memory costs more than it saves. */
const WASM_MIN_WORK = 24 * 24 * 24;
/**
 * Below this many multiply-adds (about 10 ms single-threaded) waking workers and copying the
 * operands into shared memory costs more than the second core saves.
 */
const THREADS_MIN_WORK = 1 << 25;

/** Runs one GEMM on the selected backend ('wasm' forces the kernels even for tiny products). */
export function gemm(p: GemmProblem): void {
  const work = p.m * p.n * p.k;
  if (useWasm() && (work >= WASM_MIN_WORK || forcedWasm())) {
    const threads = gemmThreads();
    if (threads > 1 && (work >= THREADS_MIN_WORK || forcedThreadsForTests) && gemmThreaded(p, threads))
      return;
    gemmWasm(p);
  } else gemmJs(p);
}

let forcedThreadsForTests = false;

/** Test hook: run every WebAssembly product on the threaded path, however small (false restores). */
export function forceThreadedGemmForTests(force: boolean): void {
  forcedThreadsForTests = force;
}
