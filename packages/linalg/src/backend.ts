import { InvalidOptionError } from '@lowrank/core';
import { wasmKernelsAvailable } from './gemm-wasm.js';
import { threadsSupported } from './threads-support.js';
import { kernelInstructionSet } from './wasm-features.js';
import { stopWorkerPool } from './worker-pool.js';

/** Which GEMM implementation runs: 'auto' picks WebAssembly SIMD when it loads, else portable JS. */
export type LinalgBackendChoice = 'auto' | 'js' | 'wasm';

export interface LinalgBackendInfo {
  /** True when the WebAssembly SIMD kernels are in use. */
  readonly simd: boolean;
  /** Threads large products use (1: the calling thread only). */
  readonly threads: number;
  /** 'wasm-relaxed-simd' (fused multiply-add), 'wasm-simd128' or 'js'. */
  readonly name: string;
}

interface BackendState {
  choice: LinalgBackendChoice;
  threads: number;
}

/**
 * Two threads for large products where Node has worker_threads and a second core: robust PCA on the
 * half-scale highway video ran 1.37x faster with them (README). One elsewhere (browsers, one core).
 */
function defaultThreads(): number {
  if (!threadsSupported()) return 1;
  const os = (
    globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }
  ).process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? 1;
  return Math.max(1, Math.min(2, cores));
}
const DEFAULT_THREADS = defaultThreads();
const state: BackendState = { choice: 'auto', threads: DEFAULT_THREADS };

/** True when 'wasm' was chosen explicitly: then even tiny products run in WebAssembly (tests rely on it). */
export function forcedWasm(): boolean {
  return state.choice === 'wasm';
}

/** True when GEMM should run in WebAssembly. */
export function useWasm(): boolean {
  if (state.choice === 'js') return false;
  return wasmKernelsAvailable();
}

/** Threads for large WebAssembly products (the JS path is single-threaded). */
export function gemmThreads(): number {
  if (!useWasm()) return 1;
  return state.threads;
}

export function linalgBackend(): LinalgBackendInfo {
  const simd = useWasm();
  return { simd, threads: gemmThreads(), name: simd ? `wasm-${kernelInstructionSet()}` : 'js' };
}

/**
 * Chooses the kernel implementation, for tests comparing paths and for benchmarks.
 * 'wasm' throws when WebAssembly SIMD cannot be loaded here (rather than silently running JS).
 * `threads` (WebAssembly path, Node only): threads for large products, including the calling one;
 * default 2 where Node has worker_threads and two cores, else 1. Omitting it restores the default.
 * Threads above the machine's core count only add overhead.
 */
export function setLinalgBackend(backend: LinalgBackendChoice, options?: { threads?: number }): void {
  if (backend !== 'auto' && backend !== 'js' && backend !== 'wasm') {
    throw new InvalidOptionError('backend', `"${String(backend)}" is not one of 'auto', 'js', 'wasm'.`);
  }
  const threads = options?.threads;
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new InvalidOptionError('threads', `${threads} is not an integer from 1 to 64.`);
    }
    if (threads > 1 && !threadsSupported()) {
      throw new InvalidOptionError(
        'threads',
        `${threads} threads need worker_threads and SharedArrayBuffer, which this runtime lacks.`,
        {
          hint: 'Pass threads: 1 (or omit it).',
        },
      );
    }
  }
  if (backend === 'wasm' && !wasmKernelsAvailable()) {
    throw new InvalidOptionError(
      'backend',
      "'wasm' was requested but WebAssembly SIMD (simd128) could not be loaded in this runtime.",
      {
        hint: "Use 'auto' or 'js'.",
      },
    );
  }
  state.choice = backend;
  state.threads = threads ?? DEFAULT_THREADS;
  if (state.threads === 1 || backend === 'js') stopWorkerPool();
}
