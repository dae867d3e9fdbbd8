import type { WasmApi } from './gemm-wasm.js';
import { kernelMemory, pinKernelMemory } from './kernel-memory.js';
import { type MessagePortLike, type WorkerLike, workerThreads } from './threads-support.js';

/**
 * The worker threads that run threaded kernels (Node only). Every thread, the calling one
 * included, instantiates each loaded kernel module on the one shared kernel memory; a job names a
 * kernel by its slot (the same on every thread) and passes its arguments through a per-worker row
 * of float64 parameters. The calling thread runs its own share, then blocks in Atomics.wait until
 * the workers are done, so callers stay synchronous. Workers start on first use, are unref'd (they
 * never keep a process alive) and idle in Atomics.wait between jobs.
 *
 * Modules can be loaded into a running pool: the compiled WebAssembly.Module is posted to each
 * worker's message port and a load job has them take it with receiveMessageOnPort (synchronous, so
 * the idle loop stays one Atomics.wait) and instantiate it. This keeps the pool, its warmed-up
 * kernels and the kernel memory, where restarting the pool for each new module would re-spawn the
 * threads and warm every module up again.
 */
export interface WorkerPool {
  readonly threads: number;
  /** The calling thread's kernels by slot (the workers hold the same slots). */
  readonly callingThread: Array<(...args: number[]) => void>;
  readonly workers: readonly WorkerLike[];
  readonly ports: readonly MessagePortLike[];
  /** [0] job generation, [1] jobs finished, [2] workers ready, [3] a worker failed, [15] pauses. */
  readonly control: Int32Array;
  /** PARAMS_PER_WORKER float64 job parameters per worker, after the 64-byte control words. */
  readonly params: Float64Array;
  /** Loaded modules: compiled module -> its first slot. */
  readonly loaded: Map<object, number>;
}

const PARAMS_PER_WORKER = 16;
/** Arguments a kernel may take: the job's first parameter names the kernel. */
export const MAX_KERNEL_ARGUMENTS = PARAMS_PER_WORKER - 1;
const STOP_JOB = -1;
const LOAD_JOB = -2;
/** Workers may take this long to start; past it the job runs single-threaded. */
const STARTUP_TIMEOUT_MS = 5000;

const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, index, port } = workerData;
const ctl = new Int32Array(control);
const par = new Float64Array(control, 64 + index * ${PARAMS_PER_WORKER * 8}, ${PARAMS_PER_WORKER});
const kernels = [];
// Read the job generation BEFORE reporting ready: the first job may be posted right after.
let seen = Atomics.load(ctl, 0);
Atomics.add(ctl, 2, 1);
Atomics.notify(ctl, 2);
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  const job = par[0];
  if (job === ${STOP_JOB}) break;
  try {
    if (job === ${LOAD_JOB}) {
      const { module, names } = receiveMessageOnPort(port).message;
      const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
      for (const name of names) kernels.push(e[name]);
    } else kernels[job](...par.subarray(1));
  } catch (error) {
    Atomics.store(ctl, 3, 1);
  }
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
port.close();
`;

let pool: WorkerPool | null = null;
let poolFailed = false;

/** The running pool, if any (whatever its thread count). */
export function runningPool(): WorkerPool | null {
  return pool;
}

/** Workers spawned ahead of their first use (spawnWorkerPool), not yet waited for. */
interface SpawnedWorkers {
  readonly threads: number;
  /** The kernel memory they were given: pinned until they run as the pool or are dropped. */
  readonly memory: object;
  readonly controlBuffer: SharedArrayBuffer;
  readonly control: Int32Array;
  readonly workers: WorkerLike[];
  readonly ports: MessagePortLike[];
}

let spawned: SpawnedWorkers | null = null;

/**
 * Spawns the workers of a `threads`-thread pool and returns at once: a worker's own start-up
 * (tens of milliseconds of Node's bootstrap, on its thread) then overlaps what the caller does
 * next, such as loading its modules. The first startWorkerPool waits for them. False where no
 * pool can run or the spawn failed.
 */
export function spawnWorkerPool(threads: number): boolean {
  if (pool?.threads === threads || spawned?.threads === threads) return true;
  if (poolFailed) return false;
  const wt = workerThreads();
  if (!wt || threads < 2) return false;
  const memory = kernelMemory();
  if (!memory) return false;
  dropSpawned();
  const controlBuffer = new SharedArrayBuffer(64 + (threads - 1) * PARAMS_PER_WORKER * 8);
  const control = new Int32Array(controlBuffer, 0, 16);
  const workers: WorkerLike[] = [];
  const ports: MessagePortLike[] = [];
  try {
    for (let index = 0; index < threads - 1; index++) {
      const channel = new wt.MessageChannel();
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, control: controlBuffer, index, port: channel.port2 },
        transferList: [channel.port2],
      });
      worker.on('error', () => Atomics.store(control, 3, 1));
      worker.unref();
      workers.push(worker);
      ports.push(channel.port1);
    }
  } catch {
    for (const worker of workers) void worker.terminate();
    for (const port of ports) port.close();
    poolFailed = true;
    return false;
  }
  spawned = { threads, memory, controlBuffer, control, workers, ports };
  pinKernelMemory(true);
  return true;
}

function dropSpawned(): void {
  if (!spawned) return;
  for (const worker of spawned.workers) void worker.terminate();
  for (const port of spawned.ports) port.close();
  spawned = null;
  if (!pool) pinKernelMemory(false);
}

/**
 * The pool of `threads` threads (the calling one and threads - 1 workers), started or restarted
 * as needed; null when threads < 2, the runtime has no worker threads, or a start failed before.
 */
export function startWorkerPool(threads: number): WorkerPool | null {
  if (pool && pool.threads === threads) return pool;
  stopPool();
  if (spawned && spawned.memory !== kernelMemory()) dropSpawned();
  if (!spawnWorkerPool(threads)) return null;
  const { controlBuffer, control, workers, ports } = spawned!;
  spawned = null;
  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(control, 2);
      if (ready >= threads - 1) break;
      if (Atomics.load(control, 3) !== 0 || Date.now() > deadline) throw new Error('worker start-up failed');
      Atomics.wait(control, 2, ready, 50);
    }
  } catch {
    for (const worker of workers) void worker.terminate();
    for (const port of ports) port.close();
    poolFailed = true;
    return null;
  }
  pool = {
    threads,
    callingThread: [],
    workers,
    ports,
    control,
    params: new Float64Array(controlBuffer, 64),
    loaded: new Map(),
  };
  pinKernelMemory(true);
  return pool;
}

/** Stops the worker threads; the kernel memory goes with them unless kernel matrices live in it. */
export function stopWorkerPool(): void {
  dropSpawned();
  stopPool();
}

function stopPool(): void {
  if (!pool) return;
  const p = pool;
  pool = null;
  postJob(p, () => STOP_JOB);
  for (const worker of p.workers) void worker.terminate();
  for (const port of p.ports) port.close();
  // Spawned workers waiting to become the next pool hold the memory too.
  pinKernelMemory(spawned !== null);
}

function postJob(p: WorkerPool, job: (worker: number) => number): void {
  for (let w = 0; w < p.workers.length; w++) p.params[w * PARAMS_PER_WORKER] = job(w);
  Atomics.add(p.control, 0, 1);
  Atomics.notify(p.control, 0);
}

/** Waits for the workers' share of the job posted after `finishedBefore`; throws if one failed. */
function awaitWorkers(p: WorkerPool, finishedBefore: number): void {
  const control = p.control;
  for (;;) {
    const finished = Atomics.load(control, 1);
    if (finished - finishedBefore >= p.threads - 1) break;
    if (Atomics.load(control, 3) !== 0) {
      stopWorkerPool();
      poolFailed = true;
      throw new Error('A worker thread failed; the threaded path is now disabled for this process.');
    }
    Atomics.wait(control, 1, finished, 100);
  }
}

/**
 * Instantiates `module` (compiled for the shared kernel memory) on every thread of the pool and
 * returns the slot of its first export in `names` (the others follow in order). Throws when the
 * module does not instantiate (on the calling thread: the pool is kept) or a worker fails.
 */
export function loadKernelModule(p: WorkerPool, module: object, names: readonly string[]): number {
  const known = p.loaded.get(module);
  if (known !== undefined) return known;
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const exports = new api.Instance(module, { env: { memory: kernelMemory() } }).exports;
  const first = p.callingThread.length;
  for (const name of names) p.callingThread.push(exports[name] as (...args: number[]) => void);
  const finishedBefore = Atomics.load(p.control, 1);
  for (const port of p.ports) port.postMessage({ module, names });
  postJob(p, () => LOAD_JOB);
  awaitWorkers(p, finishedBefore);
  p.loaded.set(module, first);
  return first;
}

/**
 * Runs the kernel in `slot` once per thread, thread t with args(t) (t = 0 on the calling thread),
 * and returns when all are done. Throws (disabling the pool) if a worker failed.
 */
export function runOnPool(p: WorkerPool, slot: number, args: (thread: number) => readonly number[]): void {
  const finishedBefore = Atomics.load(p.control, 1);
  for (let t = 1; t < p.threads; t++) {
    const row = (t - 1) * PARAMS_PER_WORKER;
    const values = args(t);
    for (let v = 0; v < values.length; v++) p.params[row + 1 + v] = values[v]!;
  }
  postJob(p, () => slot);
  p.callingThread[slot]!(...args(0));
  awaitWorkers(p, finishedBefore);
}

/** Lets V8's background compiler catch up (warm-up) without spinning. */
export function pausePool(p: WorkerPool, milliseconds: number): void {
  Atomics.wait(p.control, 15, 0, milliseconds);
}
