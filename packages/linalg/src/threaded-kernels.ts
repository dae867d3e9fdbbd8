import { InvalidInputError, InvalidOptionError, type MatrixData } from '@lowrank/core';
import type { WasmApi } from './gemm-wasm.js';
import {
  allocationTop,
  growKernelMemory,
  kernelAddress,
  kernelBuffer,
  kernelMemory,
} from './kernel-memory.js';
import { decodeBase64, pickKernelBinary } from './wasm-features.js';
import {
  loadKernelModule,
  MAX_KERNEL_ARGUMENTS,
  pausePool,
  runningPool,
  runOnPool,
  startWorkerPool,
  type WorkerPool,
} from './worker-pool.js';

/**
 * Threaded kernel modules: a package declares the entry points of its WebAssembly module once,
 * each with its arguments named in the export's parameter order (tfjs-backend-wasm's KernelConfig
 * is the model), and runs them on linalg's worker threads over the kernel memory with named
 * arguments. The declaration is checked against the binary when it loads (every kernel exported,
 * with that many parameters), every call's names against the declaration (a missing, unknown or
 * misspelled name throws), and it drives the warm-up.
 */

/**
 * How an argument is passed: 'i32' an integer, 'f64' a number, 'pointer' a byte address in the
 * kernel memory (a number, or a kernel array whose address is taken), 'counter' the byte address
 * of an i32 work counter that the threads claim units from: supplied and zeroed by each run, never
 * passed by the caller.
 */
export type KernelArgumentKind = 'i32' | 'f64' | 'pointer' | 'counter';

/** The arrays a 'pointer' argument accepts (their byte address in the kernel memory is passed). */
export type KernelArray = MatrixData | Int32Array | Uint8Array;

/** The arguments a caller passes: every declared one except the counter. */
export type KernelArguments<A extends Record<string, KernelArgumentKind>> = {
  readonly [N in keyof A as A[N] extends 'counter' ? never : N]: A[N] extends 'pointer'
    ? number | KernelArray
    : number;
};

/** Scratch for warm-up calls, in the kernel memory above the live matrices. */
export interface WarmUpSpace {
  /** Rows and columns of the two operands (16). */
  readonly size: number;
  /** Byte addresses of two read-only size x size float64 operands (their values are arbitrary). */
  readonly a: number;
  readonly b: number;
  /** Byte address of thread t's own writable region of the module's warmUpBytesPerThread. */
  own(thread: number): number;
}

export interface ThreadedKernelDeclaration<A extends Record<string, KernelArgumentKind>> {
  /** Parameter names and kinds, in the order of the exported function's parameters. */
  readonly args: A;
  /**
   * Arguments of a tiny call on thread t that runs the kernel's code paths, so V8 optimizes them
   * before real work (see warmUp below). Omitted: the kernel is not warmed up.
   */
  readonly warmUp?: (space: WarmUpSpace, thread: number) => KernelArguments<A>;
}

// biome-ignore lint/suspicious/noExplicitAny: each kernel has its own argument names.
type AnyDeclaration = ThreadedKernelDeclaration<any>;

export interface ThreadedKernelModuleDeclaration<K extends Record<string, AnyDeclaration>> {
  /** Names the module in errors (a package name). */
  readonly name: string;
  /**
   * The module as base64, compiled with --importMemory --sharedMemory --maximumMemory 65536 and no
   * static data (its data segments would be rewritten over the kernel memory by every thread's
   * instantiation). `relaxedSimd`, if given, is used where the runtime runs relaxed SIMD (as
   * linalg's own modules, see wasm-features.ts).
   */
  readonly binaries: { readonly simd128: string; readonly relaxedSimd?: string };
  /** Bytes of private scratch each thread's warm-up calls get (WarmUpSpace.own). */
  readonly warmUpBytesPerThread?: number;
  /** One declaration per exported kernel, by export name. */
  readonly kernels: K;
}

/** A kernel of a declared module: pass it to runKernelOnThreads or runKernelOnCallingThread. */
export interface ThreadedKernel<A extends Record<string, KernelArgumentKind>> {
  readonly name: string;
  readonly args: A;
}

interface ThreadedKernelModule {
  readonly declaration: ThreadedKernelModuleDeclaration<Record<string, AnyDeclaration>>;
  /** Export names in slot order. */
  readonly names: readonly string[];
  /** The kernels in the same order. */
  readonly kernels: Array<ThreadedKernel<Record<string, KernelArgumentKind>>>;
  /** Compiled on first use; null when this runtime cannot compile it (threads then decline). */
  compiled?: object | null;
}

interface KernelPlan {
  readonly module: ThreadedKernelModule;
  readonly index: number;
  /** Caller-supplied names in parameter order, with their position. */
  readonly supplied: ReadonlyArray<readonly [name: string, position: number, kind: KernelArgumentKind]>;
  readonly counterPositions: readonly number[];
  readonly count: number;
}

const plans = new WeakMap<ThreadedKernel<Record<string, KernelArgumentKind>>, KernelPlan>();
const ARGUMENT_NAME = /^[A-Za-z_$][\w$]*$/;
const KINDS: readonly KernelArgumentKind[] = ['i32', 'f64', 'pointer', 'counter'];

/**
 * Declares a threaded kernel module; returns its kernels by export name. Nothing is compiled or
 * started here: the module loads into the worker pool on its first run (also when the pool is
 * already running), and is warmed up then.
 */
export function defineThreadedKernels<const K extends Record<string, AnyDeclaration>>(
  declaration: ThreadedKernelModuleDeclaration<K>,
): { readonly [N in keyof K]: ThreadedKernel<K[N]['args']> } {
  const names = Object.keys(declaration.kernels);
  const module: ThreadedKernelModule = { declaration, names, kernels: [] };
  const kernels: Record<string, ThreadedKernel<Record<string, KernelArgumentKind>>> = {};
  names.forEach((name, index) => {
    const args = declaration.kernels[name]!.args as Record<string, KernelArgumentKind>;
    const entries = Object.entries(args);
    const where = `${declaration.name}: kernel ${name}`;
    if (entries.length > MAX_KERNEL_ARGUMENTS) {
      throw new InvalidOptionError(
        `${name}.args`,
        `${where} declares ${entries.length} arguments; at most ${MAX_KERNEL_ARGUMENTS} fit a job.`,
      );
    }
    for (const [arg, kind] of entries) {
      if (!ARGUMENT_NAME.test(arg) || !KINDS.includes(kind)) {
        throw new InvalidOptionError(
          `${name}.args.${arg}`,
          `${where}: an argument needs an identifier name and a kind of ${KINDS.join(', ')} (got "${arg}": ${String(kind)}).`,
        );
      }
    }
    const kernel = { name, args };
    plans.set(kernel, {
      module,
      index,
      supplied: entries.flatMap(([arg, kind], position) =>
        kind === 'counter' ? [] : [[arg, position, kind] as const],
      ),
      counterPositions: entries.flatMap(([, kind], position) => (kind === 'counter' ? [position] : [])),
      count: entries.length,
    });
    kernels[name] = kernel;
    module.kernels.push(kernel);
  });
  return kernels as { readonly [N in keyof K]: ThreadedKernel<K[N]['args']> };
}

/** Work counters (one per thread, 64 bytes apart) at the start of the reserved first page. */
const COUNTERS = 64;
const COUNTER_STRIDE = 64;

function compile(module: ThreadedKernelModule): object | null {
  if (module.compiled !== undefined) return module.compiled;
  const { binaries, name } = module.declaration;
  const bytes =
    binaries.relaxedSimd === undefined
      ? decodeBase64(binaries.simd128)
      : pickKernelBinary(binaries.simd128, binaries.relaxedSimd);
  if (hasDataSection(bytes)) {
    throw new InvalidInputError(
      `${name}: a threaded kernel module must not carry static data (a data section); every thread's instantiation would write it into the shared kernel memory.`,
    );
  }
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  let compiled: object;
  try {
    compiled = new api.Module(bytes);
  } catch {
    // No threads or SIMD in this engine's WebAssembly: the callers' single-threaded paths run.
    module.compiled = null;
    return null;
  }
  // Each declaration against the binary: exported, with as many parameters as it names.
  const exports = new api.Instance(compiled, { env: { memory: kernelMemory() } }).exports;
  for (const kernel of module.names) {
    const declared = Object.keys(module.declaration.kernels[kernel]!.args).length;
    const fn = exports[kernel];
    if (typeof fn !== 'function' || fn.length !== declared) {
      throw new InvalidInputError(
        `${name}: kernel ${kernel} is declared with ${declared} arguments, but the module ${typeof fn === 'function' ? `exports it with ${fn.length}` : 'does not export it'}.`,
      );
    }
  }
  module.compiled = compiled;
  return compiled;
}

/** True when the binary has a data section (id 11), found by walking the section headers. */
function hasDataSection(bytes: Uint8Array): boolean {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    if (id === 11 && size > 1) return true;
    at += size;
  }
  return false;
}

/** The pool with `module` loaded (warmed up on first load), or null when threads are unavailable. */
function poolWith(module: ThreadedKernelModule, threads: number): { pool: WorkerPool; first: number } | null {
  if (threads < 2) return null;
  const pool = startWorkerPool(threads);
  if (!pool) return null;
  const first = loaded(pool, module);
  return first === null ? null : { pool, first };
}

/**
 * Starts `threads` threads unless running and loads the kernel's module into them (warming it up
 * on first load); false when threads cannot run here. Call it before placing unallocated scratch
 * above the live matrices (allocationTop): the first load's warm-up writes there.
 */
export function kernelThreadsReady<A extends Record<string, KernelArgumentKind>>(
  kernel: ThreadedKernel<A>,
  threads: number,
): boolean {
  return (
    poolWith(
      planOf(kernel as unknown as ThreadedKernel<Record<string, KernelArgumentKind>>).module,
      threads,
    ) !== null
  );
}

function loaded(pool: WorkerPool, module: ThreadedKernelModule): number | null {
  return loadedAll(pool, [module]) ? pool.loaded.get(module.compiled!)! : null;
}

/**
 * Loads the modules not yet in the pool and warms them up together, so that they share the
 * warm-up's pauses; false when one cannot compile here.
 */
function loadedAll(pool: WorkerPool, modules: readonly ThreadedKernelModule[]): boolean {
  const fresh: { module: ThreadedKernelModule; first: number }[] = [];
  for (const module of modules) {
    const compiled = compile(module);
    if (compiled === null) return false;
    if (pool.loaded.has(compiled) || fresh.some((f) => f.module === module)) continue;
    fresh.push({ module, first: loadKernelModule(pool, compiled, module.names) });
  }
  if (fresh.length === 0) return true;
  try {
    warmUp(pool, fresh);
  } catch (error) {
    // A slip in a warm-up declaration: throw on every call, not only the first.
    for (const { module } of fresh) pool.loaded.delete(module.compiled!);
    throw error;
  }
  return true;
}

/**
 * Starts `threads` threads unless running and loads the modules of all these kernels into them,
 * warmed up together (their pauses shared); false when threads cannot run here.
 */
export function kernelModulesReady(
  kernels: readonly ThreadedKernel<Record<string, KernelArgumentKind>>[],
  threads: number,
): boolean {
  if (threads < 2) return false;
  const pool = startWorkerPool(threads);
  return (
    pool !== null &&
    loadedAll(
      pool,
      kernels.map((kernel) => planOf(kernel).module),
    )
  );
}

/** The byte address a 'pointer' argument stands for. */
function pointer(value: number | KernelArray, kernel: string, arg: string): number {
  if (typeof value === 'number') return value;
  const address = kernelAddress(value);
  if (address < 0) {
    throw new InvalidInputError(
      `Kernel ${kernel}: argument ${arg} is an ordinary array, not one in the kernel memory.`,
      {
        hint: 'Allocate it with allocateKernelMatrix, or check isKernelArray first and run the JavaScript path.',
      },
    );
  }
  return address;
}

/** The call's arguments in parameter order: shared ones, then thread t's own; every name checked. */
function positional(
  kernel: ThreadedKernel<Record<string, KernelArgumentKind>>,
  plan: KernelPlan,
  shared: Readonly<Record<string, unknown>>,
  own: Readonly<Record<string, unknown>> | undefined,
  counter: number,
): number[] {
  const values = new Array<number>(plan.count);
  let found = 0;
  for (const [name, position, kind] of plan.supplied) {
    const inOwn = own !== undefined && name in own;
    const value = inOwn ? own[name] : shared[name];
    if (inOwn && name in shared) {
      throw new InvalidOptionError(
        name,
        `Kernel ${kernel.name}: argument ${name} is given both for all threads and per thread.`,
      );
    }
    if (value === undefined) {
      throw new InvalidOptionError(
        name,
        `Kernel ${kernel.name}: argument ${name} is missing (it takes ${plan.supplied.map((s) => s[0]).join(', ')}).`,
      );
    }
    const number = kind === 'pointer' ? pointer(value as number | KernelArray, kernel.name, name) : value;
    if (typeof number !== 'number' || Number.isNaN(number) || (kind !== 'f64' && !Number.isInteger(number))) {
      throw new InvalidOptionError(
        name,
        `Kernel ${kernel.name}: argument ${name} must be ${kind === 'f64' ? 'a number' : 'an integer'} (got ${String(value)}).`,
      );
    }
    values[position] = number;
    found++;
  }
  for (const position of plan.counterPositions) values[position] = counter;
  const given = countKeys(shared) + (own === undefined ? 0 : countKeys(own));
  if (given !== found) {
    const unknown = [...Object.keys(shared), ...Object.keys(own ?? {})].filter(
      (name) => !plan.supplied.some((s) => s[0] === name),
    );
    throw new InvalidOptionError(
      unknown[0] ?? '?',
      `Kernel ${kernel.name} has no argument ${unknown.join(', ')} (it takes ${plan.supplied.map((s) => s[0]).join(', ')}).`,
    );
  }
  return values;
}

function countKeys(o: Readonly<Record<string, unknown>>): number {
  let n = 0;
  for (const key in o) if (Object.hasOwn(o, key)) n++;
  return n;
}

function planOf(kernel: ThreadedKernel<Record<string, KernelArgumentKind>>): KernelPlan {
  const plan = plans.get(kernel);
  if (!plan)
    throw new InvalidInputError(`${String(kernel?.name)} is not a kernel from defineThreadedKernels.`);
  return plan;
}

/**
 * Runs `kernel` once on each of `threads` threads (thread 0 is the calling one) and returns when
 * all are done. `args` go to every thread; `perThread(t)` gives thread t's own (a band of rows, a
 * workspace); together they must name every declared argument but the counter, once. Returns
 * false, having done nothing, when the threads cannot run here (threads < 2, no worker_threads, a
 * failed start): the caller then runs its single-threaded path.
 */
export function runKernelOnThreads<A extends Record<string, KernelArgumentKind>>(
  kernel: ThreadedKernel<A>,
  threads: number,
  args: Partial<KernelArguments<A>>,
  perThread?: (thread: number) => Partial<KernelArguments<A>>,
): boolean {
  const k = kernel as unknown as ThreadedKernel<Record<string, KernelArgumentKind>>;
  const plan = planOf(k);
  const started = poolWith(plan.module, threads);
  if (!started) return false;
  const shared = args as Readonly<Record<string, unknown>>;
  // Check the calling thread's arguments before any worker starts.
  const first = positional(k, plan, shared, perThread?.(0), COUNTERS);
  if (plan.counterPositions.length > 0) Atomics.store(new Int32Array(kernelBuffer(), COUNTERS, 1), 0, 0);
  runOnPool(started.pool, started.first + plan.index, (t) =>
    t === 0 ? first : positional(k, plan, shared, perThread?.(t), COUNTERS),
  );
  return true;
}

/**
 * Runs `kernel` on the calling thread only (steps too small to share), on the instance of the
 * running pool. Returns false, having done nothing, when no pool runs.
 */
export function runKernelOnCallingThread<A extends Record<string, KernelArgumentKind>>(
  kernel: ThreadedKernel<A>,
  args: KernelArguments<A>,
): boolean {
  const k = kernel as unknown as ThreadedKernel<Record<string, KernelArgumentKind>>;
  const plan = planOf(k);
  const pool = runningPool();
  const first = pool === null ? null : loaded(pool, plan.module);
  if (pool === null || first === null) return false;
  const values = positional(k, plan, args as Readonly<Record<string, unknown>>, undefined, COUNTERS);
  if (plan.counterPositions.length > 0) Atomics.store(new Int32Array(kernelBuffer(), COUNTERS, 1), 0, 0);
  pool.callingThread[first + plan.index]!(...values);
  return true;
}

/** True when the pool runs on `threads` threads (a caller's kernel arrays may then be in use). */
export function kernelThreadsRunning(threads?: number): boolean {
  const pool = runningPool();
  return pool !== null && (threads === undefined || pool.threads === threads);
}

/**
 * V8 first runs WebAssembly in its baseline compiler and swaps in optimized code only between
 * calls, so the first call of each entry point ran its whole product unoptimized: 5.5 s instead of
 * 0.25 s for the first Gram of the half-scale video. Two rounds of a dozen tiny calls per kernel on
 * every thread, each followed by a pause for the background compiler to install its code (about
 * 100 ms, once per module and pool), make the first real call run optimized. Each thread gets its
 * own work counter here, so every thread runs every unit of a dynamically scheduled kernel.
 */
const WARM_UP_CALLS = 12;
const WARM_UP_ROUNDS = 2;
const WARM_UP_PAUSE_MS = 20;
const WARM_UP_SIZE = 16;

function warmUp(
  pool: WorkerPool,
  loadedNow: readonly { module: ThreadedKernelModule; first: number }[],
): void {
  const calls = loadedNow.flatMap(({ module, first }) =>
    module.names.flatMap((name, index) => {
      const declaration = module.declaration.kernels[name]!;
      return declaration.warmUp ? [{ declaration, kernel: module.kernels[index]!, slot: first + index }] : [];
    }),
  );
  if (calls.length === 0) return;
  const operandBytes = WARM_UP_SIZE * WARM_UP_SIZE * 8;
  const perThread = roundUp64(
    Math.max(...loadedNow.map(({ module }) => module.declaration.warmUpBytesPerThread ?? operandBytes)),
  );
  const base = allocationTop();
  if (!growKernelMemory(base + 2 * operandBytes + pool.threads * perThread)) return;
  const space: WarmUpSpace = {
    size: WARM_UP_SIZE,
    a: base,
    b: base + operandBytes,
    own: (t) => base + 2 * operandBytes + t * perThread,
  };
  const counters = new Int32Array(kernelBuffer(), COUNTERS, pool.threads * (COUNTER_STRIDE / 4));
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (let call = 0; call < WARM_UP_CALLS; call++) {
      for (const { declaration, kernel, slot } of calls) {
        const plan = planOf(kernel);
        for (let t = 0; t < pool.threads; t++) Atomics.store(counters, (t * COUNTER_STRIDE) / 4, 0);
        runOnPool(pool, slot, (t) =>
          positional(
            kernel,
            plan,
            declaration.warmUp!(space, t) as Record<string, unknown>,
            undefined,
            COUNTERS + t * COUNTER_STRIDE,
          ),
        );
      }
    }
    pausePool(pool, WARM_UP_PAUSE_MS);
  }
}

function roundUp64(x: number): number {
  return Math.ceil(x / 64) * 64;
}
