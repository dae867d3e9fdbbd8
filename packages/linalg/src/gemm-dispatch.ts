import { forcedWasm, gemmThreads, useWasm } from './backend.js';
import { type GemmProblem, gemmJs } from './gemm-js.js';
import { gemmThreaded } from './gemm-thread-plans.js';
import { gemmWasm } from './gemm-wasm.js';
import { isKernelArray } from './kernel-memory.js';

/** Below this many multiply-adds the packing into WebAssembly memory costs more than it saves. */
const WASM_MIN_WORK = 24 * 24 * 24;
/**
 * Below this many multiply-adds (about 10 ms single-threaded) waking workers and copying the
 * operands into shared memory costs more than the second core saves.
 */
const THREADS_MIN_WORK = 1 << 22;
/**
 * The threaded path copies operands that are not already in its shared memory. Tall-skinny
 * products (a 748 x 76800 video times 76800 x 20 in the randomized SVD) do ~20 multiply-adds per
 * copied element: the copy then costs about what the second core saves, so they stay on one
 * thread. Gram and square products (hundreds per element) and in-place operands use both cores.
 */
const THREADS_MIN_WORK_PER_COPIED = 64;

function threadsPay(p: GemmProblem, work: number): boolean {
  if (work < THREADS_MIN_WORK) return false;
  let copied = isKernelArray(p.c) ? 0 : p.m * p.n;
  if (!isKernelArray(p.a.data)) copied += p.m * p.k;
  if (!isKernelArray(p.b.data)) copied += p.k * p.n;
  return copied <= THREADS_SMALL_COPY || work / copied >= THREADS_MIN_WORK_PER_COPIED;
}

/**
 * Operands this small (16 MB in all) copy from cache in well under a millisecond: the thin-inner
 * updates of the eigensolver (a 700 x 700 C += 700 x 64 times 64 x 700) then use both cores too.
 */
const THREADS_SMALL_COPY = 1 << 21;

/** Runs one GEMM on the selected backend ('wasm' forces the kernels even for tiny products). */
export function gemm(p: GemmProblem): void {
  const work = p.m * p.n * p.k;
  if (useWasm() && (work >= WASM_MIN_WORK || forcedWasm())) {
    const threads = gemmThreads();
    if (threads > 1 && (forcedThreadsForTests || threadsPay(p, work)) && gemmThreaded(p, threads)) return;
    gemmWasm(p);
  } else gemmJs(p);
}

let forcedThreadsForTests = false;

/** Test hook: run every WebAssembly product on the threaded path, however small (false restores). */
export function forceThreadedGemmForTests(force: boolean): void {
  forcedThreadsForTests = force;
}
