import type { DenseMatrix, MatrixData } from '@lowrank/core';
import { type GemmProblem, scaleOutput } from './gemm-js.js';
import type { WasmApi, WasmMemory } from './gemm-wasm.js';
import {
  GEMM_THREADED_RELAXED_WASM_BASE64,
  GEMM_THREADED_WASM_BASE64,
} from './generated/gemm-wasm-binary.js';
import { pickKernelBinary } from './wasm-features.js';

/**
 * Multi-threaded GEMM (Node only): worker_threads and the calling thread instantiate
 * assembly/gemm-threaded.ts on one shared WebAssembly.Memory. The operands are copied into it once
 * (callers' arrays are ordinary, unshared memory), each thread packs and multiplies its own band of C
 * rows, and the calling thread blocks in Atomics.wait until the workers are done, so the API stays
 * synchronous. Workers start on first use, are unref'd (they never keep a process alive) and idle in
 * Atomics.wait between jobs.
 */

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (code: string, options: { eval: true; workerData: unknown }) => WorkerLike;
}

interface Pool {
  readonly threads: number;
  readonly memory: WasmMemory;
  /** The calling thread's instance's kernels, indexed as KERNEL_NAMES (as the workers' are). */
  readonly kernels: ReadonlyArray<(...args: number[]) => void>;
  readonly workers: WorkerLike[];
  /** [0] job generation, [1] jobs finished, [2] workers ready, [3] a worker failed. */
  readonly control: Int32Array;
  /** 16 float64 job parameters per worker, after the 64-byte control words. */
  readonly params: Float64Array;
}

const PARAMS_PER_WORKER = 16;
/** The threaded module's entry points; jobs name one by its index here, on every thread. */
const KERNEL_NAMES = [
  'dgemmRows',
  'sgemmRows',
  'pcpResidualUnits',
  'pcpUpdateUnits',
  'pcpStartUnits',
  'symmetricUpperRows',
  'panelRowUpdate',
  'panelCorrections',
  'dgemmColumnUnits',
  'dgemmDepthUnits',
  'dpackAllA',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
const ctl = new Int32Array(control);
const par = new Float64Array(control, 64 + index * ${PARAMS_PER_WORKER * 8}, ${PARAMS_PER_WORKER});
const inst = new WebAssembly.Instance(module, { env: { memory } });
const e = inst.exports;
const kernels = ${JSON.stringify(KERNEL_NAMES)}.map((name) => e[name]);
// Read the job generation BEFORE reporting ready: the first job may be posted right after.
let seen = Atomics.load(ctl, 0);
Atomics.add(ctl, 2, 1);
Atomics.notify(ctl, 2);
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (par[0] < 0) break;
  try {
    kernels[par[0]](...par.subarray(1));
  } catch (error) {
    Atomics.store(ctl, 3, 1);
  }
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
`;

const MR = 4;
const KC = 256;
const MC = 128;
const NC = 1024;
/** Depth slices of a dynamically scheduled deep product (a fixed count: results do not depend on the thread count). */
const DEPTH_UNITS = 16;
/** Largest padded C (elements) split by depth: DEPTH_UNITS partials of it live in the scratch (128 MB). */
const DEPTH_PARTIAL_ELEMENTS = 1 << 20;
const HEAP_BASE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - 65536;
/** Workers may take this long to start; past it the job runs single-threaded. */
const STARTUP_TIMEOUT_MS = 5000;

let pool: Pool | null = null;
let poolFailed = false;

function workerThreads(): WorkerThreadsModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  try {
    return proc.getBuiltinModule('node:worker_threads') as WorkerThreadsModule;
  } catch {
    return undefined;
  }
}

/** True when this runtime can run the threaded path (Node >= 20.16 with SharedArrayBuffer). */
export function threadsSupported(): boolean {
  return (
    typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && workerThreads() !== undefined
  );
}

function startPool(threads: number): Pool | null {
  if (pool && pool.threads === threads) return pool;
  stopGemmThreads();
  if (poolFailed) return null;
  const wt = workerThreads();
  const api = (globalThis as { WebAssembly?: WasmApi & { Memory: new (d: object) => WasmMemory } })
    .WebAssembly;
  if (!wt || !api || threads < 2) return null;
  try {
    const module = new api.Module(
      pickKernelBinary(GEMM_THREADED_WASM_BASE64, GEMM_THREADED_RELAXED_WASM_BASE64),
    );
    const memory = kernelMemory();
    if (!memory) return null;
    const main = new api.Instance(module, { env: { memory } }).exports as unknown as Record<
      KernelName,
      (...args: number[]) => void
    >;
    const controlBuffer = new SharedArrayBuffer(64 + (threads - 1) * PARAMS_PER_WORKER * 8);
    const control = new Int32Array(controlBuffer, 0, 16);
    const params = new Float64Array(controlBuffer, 64);
    const workers: WorkerLike[] = [];
    for (let index = 0; index < threads - 1; index++) {
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: controlBuffer, index },
      });
      worker.on('error', () => Atomics.store(control, 3, 1));
      worker.unref();
      workers.push(worker);
    }
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(control, 2);
      if (ready >= threads - 1) break;
      if (Atomics.load(control, 3) !== 0 || Date.now() > deadline) throw new Error('worker start-up failed');
      Atomics.wait(control, 2, ready, 50);
    }
    const started: Pool = {
      threads,
      memory,
      kernels: KERNEL_NAMES.map((name) => main[name]),
      workers,
      control,
      params,
    };
    warmUp(started);
    pool = started;
    return pool;
  } catch {
    poolFailed = true;
    return null;
  }
}

/**
 * V8 first runs WebAssembly in its baseline compiler and swaps in optimized code only between
 * calls, so the first call of each entry point ran its whole product unoptimized: 5.5 s instead of
 * 0.25 s for the first Gram of the half-scale video. Two rounds of a dozen tiny calls per kernel on
 * every thread, each followed by a pause for the background compiler to install its code (about
 * 100 ms, once per pool), make the first real product run optimized.
 */
const WARM_UP_CALLS = 12;
const WARM_UP_ROUNDS = 2;
const WARM_UP_PAUSE_MS = 20;

function warmUp(tp: Pool): void {
  if (!shared) return;
  const size = 16;
  const wsBytes = roundUp((MC * KC + KC * size) * 8, 64);
  const base = allocationTop();
  const operandBytes = size * size * 8;
  const perThread = 2 * operandBytes + wsBytes + 64;
  const needed = base + 2 * operandBytes + tp.threads * perThread;
  if (!growTo(tp.memory, needed)) return;
  // Shared read-only operands a and b; each thread writes only its own slot (C, then workspace).
  // What the calls compute is discarded.
  const a = base;
  const b = base + operandBytes;
  const own = (t: number) => base + 2 * operandBytes + t * perThread;
  const sums = (t: number) => own(t) + operandBytes;
  const product = (t: number) => [
    0,
    size,
    size,
    size,
    a,
    size,
    1,
    b,
    size,
    1,
    own(t),
    size,
    0,
    sums(t),
    t & 1,
  ];
  // Dynamically scheduled entry points: a work counter per thread (so each runs every unit),
  // cleared before each call; packed A where gemmRows would pack its A block (column units do not).
  const counter = (t: number) => sums(t) + wsBytes;
  const counters = new Int32Array(currentBuffer(shared));
  const run = (name: KernelName, args: (t: number) => number[]) => {
    for (let t = 0; t < tp.threads; t++) Atomics.store(counters, counter(t) / 4, 0);
    runOnThreads(tp, name, args);
  };
  const packedA = sums;
  // Element-wise passes over an odd length in units of 4, so their scalar tails run too.
  const end = size + 1;
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (let call = 0; call < WARM_UP_CALLS; call++) {
      runOnThreads(tp, 'dgemmRows', product);
      runOnThreads(tp, 'sgemmRows', product);
      run('dpackAllA', (t) => [a, size, 1, size, size, packedA(t)]);
      run('dgemmColumnUnits', (t) => [
        counter(t),
        4,
        size,
        size,
        size,
        packedA(t),
        b,
        size,
        1,
        own(t),
        size,
        sums(t),
        1,
      ]);
      run('dgemmDepthUnits', (t) => [
        counter(t),
        1,
        size,
        size,
        size,
        a,
        size,
        1,
        b,
        size,
        1,
        own(t),
        size,
        0,
        sums(t),
      ]);
      run('pcpResidualUnits', (t) => [counter(t), 4, end, a, a, a, sums(t)]);
      run('pcpUpdateUnits', (t) => [counter(t), 4, end, a, a, own(t), own(t), 1, 1, sums(t)]);
      run('pcpStartUnits', (t) => [counter(t), 4, end, a, own(t), sums(t)]);
      runOnThreads(tp, 'symmetricUpperRows', (t) => [t, size - 1, size, a, b, own(t)]);
    }
    Atomics.wait(tp.control, 15, 0, WARM_UP_PAUSE_MS);
  }
}

/** Stops the worker threads and frees their shared memory (they restart on the next threaded GEMM). */
export function stopGemmThreads(): void {
  if (!pool) return;
  const p = pool;
  pool = null;
  for (let w = 0; w < p.workers.length; w++) p.params[w * PARAMS_PER_WORKER] = -1;
  Atomics.add(p.control, 0, 1);
  Atomics.notify(p.control, 0);
  for (const worker of p.workers) void worker.terminate();
  // The memory goes with the pool unless kernel matrices still live in it.
  if (allocations.size === 0) shared = null;
}

/**
 * The shared WebAssembly.Memory the threaded kernels read, created once and kept while kernel
 * matrices (allocateKernelMatrix) live in it. Its byte layout: HEAP_BASE, then kernel matrices
 * (first fit), then each product's scratch (copied operands, C, packing buffers) above the highest one.
 */
interface SharedKernelMemory {
  readonly memory: WasmMemory;
  /** Every buffer object memory.buffer has returned (it changes on grow): views on them are inside. */
  readonly buffers: WeakSet<ArrayBufferLike>;
}
let shared: SharedKernelMemory | null = null;
/** Live kernel matrices: byte address -> byte length. */
const allocations = new Map<number, number>();

function kernelMemory(): WasmMemory | null {
  if (shared) return shared.memory;
  const api = (globalThis as { WebAssembly?: { Memory: new (d: object) => WasmMemory } }).WebAssembly;
  if (!api || typeof SharedArrayBuffer !== 'function') return null;
  try {
    const memory = new api.Memory({ initial: 1, maximum: 65536, shared: true });
    shared = { memory, buffers: new WeakSet() };
    return memory;
  } catch {
    return null;
  }
}

/** The current buffer of the kernel memory, remembered so views on it are recognised later. */
function currentBuffer(s: SharedKernelMemory): ArrayBuffer {
  const buffer = s.memory.buffer;
  s.buffers.add(buffer);
  return buffer;
}

/** Byte address of `data` inside the kernel memory, or -1 when it is an ordinary array. */
function kernelAddress(data: MatrixData): number {
  if (!shared?.buffers.has(data.buffer)) return -1;
  return data.byteOffset;
}

/** First byte above every live kernel matrix (64-byte aligned). */
function allocationTop(): number {
  let top = HEAP_BASE;
  for (const [address, bytes] of allocations) top = Math.max(top, address + bytes);
  return roundUp(top, 64);
}

/**
 * A zero-filled rows x cols float64 matrix whose data lives in the shared memory the threaded
 * kernels read, so products on it skip the copy into that memory. Falls back to an ordinary
 * Float64Array (same results, copies as before) when threads are unsupported or the memory cannot
 * grow (WebAssembly memory is limited to 4 GiB). Free it with releaseKernelMatrix when done.
 */
export function allocateKernelMatrix(rows: number, cols: number): DenseMatrix<Float64Array> {
  const bytes = roundUp(rows * cols * 8, 64);
  const memory = threadsSupported() && bytes > 0 ? kernelMemory() : null;
  if (!memory || !shared) return { rows, cols, data: new Float64Array(rows * cols) };
  // First fit between live matrices, else on top.
  const taken = [...allocations].sort((x, y) => x[0] - y[0]);
  let address = HEAP_BASE;
  for (const [start, length] of taken) {
    if (address + bytes <= start) break;
    address = Math.max(address, roundUp(start + length, 64));
  }
  const end = address + bytes;
  if (end > MAX_BYTES) return { rows, cols, data: new Float64Array(rows * cols) };
  // Bytes past the memory's current end arrive zeroed by the grow. Leaving them untouched also
  // leaves their page faults (about 1 s per 460 MB on a VM) to the first writer, which is often a
  // pass on every thread, instead of a fill here on one.
  const freshFrom = memory.buffer.byteLength;
  // The engine may not reserve more memory: ordinary arrays still work.
  if (!growTo(memory, end)) return { rows, cols, data: new Float64Array(rows * cols) };
  const data = new Float64Array(currentBuffer(shared), address, rows * cols);
  if (address < freshFrom) data.fill(0, 0, Math.min(rows * cols, (freshFrom - address) / 8));
  allocations.set(address, bytes);
  return { rows, cols, data };
}

const releaseOnCollect =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((address) => {
        allocations.delete(address);
        if (allocations.size === 0 && !pool) shared = null;
      })
    : undefined;

/** Frees a matrix from allocateKernelMatrix (ordinary matrices are ignored); do not use it afterwards. */
export function releaseKernelMatrix(matrix: DenseMatrix): void {
  const address = kernelAddress(matrix.data);
  if (address >= 0 && allocations.has(address)) {
    allocations.delete(address);
    releaseOnCollect?.unregister(matrix.data);
  }
  if (allocations.size === 0 && !pool) shared = null;
}

/**
 * Hands a kernel matrix to code that will not release it (a result returned to a caller): its
 * space is freed for reuse once its data array is garbage-collected. Ordinary matrices are ignored.
 * WebAssembly memory never shrinks; stopGemmThreads() gives it back once nothing lives in it.
 */
export function releaseKernelMatrixWhenCollected(matrix: DenseMatrix): void {
  const address = kernelAddress(matrix.data);
  if (address >= 0 && allocations.has(address)) releaseOnCollect?.register(matrix.data, address, matrix.data);
}

/**
 * A zero-filled Float64Array in the kernel memory that frees itself once garbage-collected (an
 * ordinary array where threads are unsupported), for data that outlives any one call: a decoded
 * video (readVideoMatrix's `allocate` option), which threaded kernels then read where it is.
 * Keep the array itself referenced while any view of it (subarray) is in use.
 */
export function allocateCollectedKernelArray(length: number): Float64Array {
  const matrix = allocateKernelMatrix(1, length);
  releaseKernelMatrixWhenCollected(matrix);
  return matrix.data;
}

/** Bytes held by live kernel matrices (0 once every one is released). */
export function kernelMatrixBytes(): number {
  let total = 0;
  for (const bytes of allocations.values()) total += bytes;
  return total;
}

let operandBytesCopied = 0;

/** Test hook: bytes of operands the threaded path has copied into its memory so far. */
export function operandBytesCopiedForTests(): number {
  return operandBytesCopied;
}

/** True when `matrix` lives in the threaded kernels' memory (its products skip the operand copy). */
export function isKernelMatrix(matrix: DenseMatrix): boolean {
  return kernelAddress(matrix.data) >= 0;
}

/** True when these elements live in the threaded kernels' memory (read in place, not copied). */
export function inKernelMemory(data: MatrixData): boolean {
  return kernelAddress(data) >= 0;
}

/** Grows `memory` to at least `bytes`; false when the engine refuses. */
function growTo(memory: WasmMemory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/**
 * Runs kernel `name` once per thread, thread t with args(t) (t = 0 on the calling thread), and
 * returns when all are done. Throws (disabling the pool) if a worker failed.
 */
function runOnThreads(tp: Pool, name: KernelName, args: (thread: number) => number[]): void {
  const index = KERNEL_NAMES.indexOf(name);
  const control = tp.control;
  const finishedBefore = Atomics.load(control, 1);
  for (let t = 1; t < tp.threads; t++) {
    const slot = (t - 1) * PARAMS_PER_WORKER;
    tp.params[slot] = index;
    const values = args(t);
    for (let v = 0; v < values.length; v++) tp.params[slot + 1 + v] = values[v]!;
  }
  Atomics.add(control, 0, 1);
  Atomics.notify(control, 0);
  tp.kernels[index]!(...args(0));
  for (;;) {
    const finished = Atomics.load(control, 1);
    if (finished - finishedBefore >= tp.threads - 1) break;
    if (Atomics.load(control, 3) !== 0) {
      stopGemmThreads();
      poolFailed = true;
      throw new Error('A worker thread failed; the threaded path is now disabled for this process.');
    }
    Atomics.wait(control, 1, finished, 100);
  }
}

/** Row bands [start, end) per thread, multiples of MR; balanced by area for the upper triangle. */
function rowBands(m: number, threads: number, upperOnly: boolean): number[] {
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
 * Runs the product on `threads` threads. Returns false (having done nothing) when the pool cannot
 * start or the operands do not fit the 4 GiB shared memory; the caller then runs it single-threaded.
 */
export function gemmThreaded(p: GemmProblem, threads: number): boolean {
  const { m, n, k, a, b, c, cOffset, ldc, alpha, beta } = p;
  const f32 = c instanceof Float32Array;
  const esize = f32 ? 4 : 8;
  const nr = f32 ? 8 : 4;
  const nPad = roundUp(n, nr);
  const mPad = roundUp(m, MR);
  const tp = startPool(threads);
  if (!tp || !shared) return false;
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
  // float64 products big enough to matter are scheduled dynamically (assembly/gemm-threaded.ts):
  // wide ones by column units against A packed once, deep ones with a small C (a Gram, T Z^T) by
  // depth slices into partial Cs summed in slice order.
  const columnUnits = !f32 && byColumns;
  const depthUnits = !f32 && !byColumns && k >= DEPTH_UNITS * KC && mPad * nPad <= DEPTH_PARTIAL_ELEMENTS;
  const wsElems = MC * KC + KC * Math.min(NC, nPad);
  const aBytes = aHome >= 0 ? 0 : roundUp(a.data.length * esize, 64);
  const bBytes = sameOperand || bHome >= 0 ? 0 : roundUp(b.data.length * esize, 64);
  const cBytes = cInPlace || depthUnits ? 0 : roundUp(mPad * nPad * esize, 64);
  // Packed A (column units) or the partial Cs (depth units), then the work counter.
  const unitBytes = columnUnits
    ? Math.ceil(k / KC) * Math.ceil(m / MC) * MC * KC * 8
    : depthUnits
      ? DEPTH_UNITS * mPad * nPad * 8
      : 0;
  const scratch = allocationTop();
  const wsBytes = roundUp(wsElems * esize, 64);
  const needed = scratch + aBytes + bBytes + cBytes + threads * wsBytes + roundUp(unitBytes, 64) + 64;
  if (needed > MAX_BYTES || !growTo(tp.memory, needed)) return false;
  const buffer = currentBuffer(shared);
  const heap: MatrixData = f32 ? new Float32Array(buffer) : new Float64Array(buffer);
  const aPtr = aHome >= 0 ? aHome : scratch;
  const bPtr = bHome >= 0 ? bHome : sameOperand ? aPtr : scratch + aBytes;
  const cPtr = cInPlace ? cHome + cOffset * esize : scratch + aBytes + bBytes;
  const cLd = cInPlace ? ldc : nPad;
  const wsPtr = scratch + aBytes + bBytes + cBytes;
  const unitPtr = wsPtr + threads * wsBytes;
  const counterPtr = unitPtr + roundUp(unitBytes, 64);
  if (aHome < 0) heap.set(a.data, aPtr / esize);
  if (bHome < 0 && !sameOperand) heap.set(b.data, bPtr / esize);
  operandBytesCopied += aBytes + bBytes;
  Atomics.store(new Int32Array(buffer, counterPtr, 1), 0, 0);
  if (depthUnits) {
    runOnThreads(tp, 'dgemmDepthUnits', (t) => [
      counterPtr,
      DEPTH_UNITS,
      m,
      n,
      k,
      aPtr + a.offset * esize,
      a.rowStride,
      a.colStride,
      bPtr + b.offset * esize,
      b.rowStride,
      b.colStride,
      unitPtr,
      nPad,
      p.upperOnly === true ? 1 : 0,
      wsPtr + t * wsBytes,
    ]);
    sumPartials(heap as Float64Array, unitPtr / 8, mPad * nPad, nPad, p, c as Float64Array);
    return true;
  }
  // The kernels write every tile of C (padded) except, in a Gram, those below the diagonal, so a
  // C that starts at zero needs no clearing pass: the first k-block stores instead of adding.
  const overwrite = k > 0 && !p.upperOnly && (!cInPlace || beta === 0);
  if (!overwrite && !cInPlace) heap.fill(0, cPtr / esize, cPtr / esize + mPad * nPad);
  else if (!overwrite && beta === 0) scaleOutput(c, cOffset, ldc, m, n, 0);

  if (columnUnits) {
    const aStart = aPtr + a.offset * esize;
    tp.kernels[KERNEL_NAMES.indexOf('dpackAllA')]!(aStart, a.rowStride, a.colStride, m, k, unitPtr);
    runOnThreads(tp, 'dgemmColumnUnits', (t) => [
      counterPtr,
      NC,
      m,
      n,
      k,
      unitPtr,
      bPtr + b.offset * esize,
      b.rowStride,
      b.colStride,
      cPtr,
      cLd,
      wsPtr + t * wsBytes,
      overwrite ? 1 : 0,
    ]);
  } else {
    const bands = byColumns ? columnBands(n, threads, nr) : rowBands(m, threads, p.upperOnly === true);
    runOnThreads(tp, f32 ? 'sgemmRows' : 'dgemmRows', (t) => {
      const start = bands[t]!;
      const end = bands[t + 1]!;
      return [
        byColumns ? 0 : start,
        byColumns ? m : end,
        byColumns ? end - start : n,
        k,
        aPtr + a.offset * esize,
        a.rowStride,
        a.colStride,
        bPtr + (b.offset + (byColumns ? start * b.colStride : 0)) * esize,
        b.rowStride,
        b.colStride,
        cPtr + (byColumns ? start * esize : 0),
        cLd,
        p.upperOnly === true ? 1 : 0,
        wsPtr + t * wsBytes,
        overwrite ? 1 : 0,
      ];
    });
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

/** Elements per unit of an element-wise pass (512 KB of each array): 110 units per 460 MB matrix. */
const PASS_UNIT = 1 << 16;

/**
 * Runs one of the threaded module's element-wise passes (assembly/pcp-passes.ts) over arrays that
 * all live in the kernel memory, the threads claiming units of PASS_UNIT elements as they go.
 * Returns each unit's two results in order (see the pass), or null (having done nothing) when an
 * array is an ordinary one or the threads cannot start: the caller then runs its JavaScript pass.
 */
export function runKernelMemoryPass(
  name: 'pcpResidual' | 'pcpUpdate' | 'pcpStart',
  arrays: readonly Float64Array[],
  scalars: readonly number[],
  threads: number,
): Array<[number, number]> | null {
  const length = arrays[0]?.length ?? 0;
  const addresses = arrays.map((x) => (x.length === length ? kernelAddress(x) : -1));
  if (threads < 2 || addresses.some((x) => x < 0)) return null;
  const tp = startPool(threads);
  if (!tp || !shared) return null;
  const units = Math.ceil(length / PASS_UNIT);
  const counterPtr = allocationTop();
  const outPtr = counterPtr + 64;
  if (!growTo(tp.memory, outPtr + units * 16)) return null;
  const buffer = currentBuffer(shared);
  Atomics.store(new Int32Array(buffer, counterPtr, 1), 0, 0);
  runOnThreads(tp, `${name}Units`, () => [counterPtr, PASS_UNIT, length, ...addresses, ...scalars, outPtr]);
  const results = new Float64Array(buffer, outPtr, 2 * units);
  const perUnit: Array<[number, number]> = [];
  for (let u = 0; u < units; u++) perUnit.push([results[2 * u]!, results[2 * u + 1]!]);
  return perUnit;
}

/**
 * Kernel arrays for symmetricUpperProductOnThreads: y holds one length-n accumulator per thread.
 * Null when the threads or the kernel memory are unavailable (the caller keeps its JavaScript loop).
 */
export function symmetricProductWorkspace(
  n: number,
  threads: number,
): { threads: number; partials: DenseMatrix<Float64Array> } | null {
  if (threads < 2 || !startPool(threads)) return null;
  const partials = allocateKernelMatrix(threads, n);
  if (!isKernelMatrix(partials)) return null;
  return { threads, partials };
}

/**
 * y[x0..n) = A[x0.., x0..] v for the symmetric n x n A whose upper triangle is stored row-major in
 * the kernel array `a`, with v = vt[vOffset + j] (vt a kernel array): Householder
 * tridiagonalization's product, in WebAssembly SIMD with the rows split so each thread reads the
 * same share of the triangle. Returns false (having done nothing) when an array is an ordinary one.
 */
export function symmetricUpperProductOnThreads(
  a: Float64Array,
  n: number,
  x0: number,
  vt: Float64Array,
  vOffset: number,
  y: Float64Array,
  workspace: { threads: number; partials: DenseMatrix<Float64Array> },
): boolean {
  const aPtr = kernelAddress(a);
  const vPtr = kernelAddress(vt);
  const yPtr = kernelAddress(workspace.partials.data);
  const tp = pool;
  if (aPtr < 0 || vPtr < 0 || yPtr < 0 || !tp || tp.threads !== workspace.threads) return false;
  // The trailing triangle's rows [x0, n), balanced by area as a Gram's are.
  const cuts = rowBands(n - x0, tp.threads, true).map((row) => x0 + row);
  // The kernel reads v_j at v + 8 j for the absolute column j, as vt[vOffset + j].
  const v = vPtr + vOffset * 8;
  runOnThreads(tp, 'symmetricUpperRows', (t) => [cuts[t]!, cuts[t + 1]!, n, aPtr, v, yPtr + t * n * 8]);
  const partials = workspace.partials.data;
  for (let j = x0; j < n; j++) {
    let sum = 0;
    for (let t = 0; t < tp.threads; t++) if (cuts[t]! <= j) sum += partials[t * n + j]!;
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
 * JavaScript loops) when one is an ordinary array or the threads' module is not running.
 */
export function tridiagonalPanelSteps(
  a: Float64Array,
  n: number,
  vt: Float64Array,
  wt: Float64Array,
  y: Float64Array,
): TridiagonalPanelSteps | null {
  const tp = pool;
  const [aPtr, vtPtr, wtPtr, yPtr] = [a, vt, wt, y].map(kernelAddress) as [number, number, number, number];
  if (!tp || aPtr < 0 || vtPtr < 0 || wtPtr < 0 || yPtr < 0) return null;
  const rowUpdate = tp.kernels[KERNEL_NAMES.indexOf('panelRowUpdate')]!;
  const corrections = tp.kernels[KERNEL_NAMES.indexOf('panelCorrections')]!;
  return {
    rowUpdate: (k, i) => rowUpdate(aPtr, vtPtr, wtPtr, n, k, i),
    corrections: (vOffset, x0, i) => corrections(vtPtr, wtPtr, vtPtr + vOffset * 8, yPtr, n, x0, i),
  };
}
