import { Worker } from 'node:worker_threads';
import type { ErrorInfo, ProgressInfo } from '../shared/protocol.js';
import type {
  HostToWorker,
  PartialResult,
  WorkerConfig,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from '../shared/worker-protocol.js';

/** A worker request that failed: carries the worker's error (message, hint, code). */
export class WorkerRequestError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.hint ? `${info.message} ${info.hint}` : info.message);
    this.name = 'WorkerRequestError';
    this.info = info;
  }
}

/** The request was cancelled: the worker was terminated before it answered. */
export class WorkerCancelledError extends Error {
  constructor() {
    super('The operation was cancelled.');
    this.name = 'AbortError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: ProgressInfo) => void;
  onPartial?: (partial: PartialResult) => void;
}

/**
 * Owns one worker thread for one panel. Cancelling terminates the thread (stopping the work at
 * once, even inside a long matrix product); the next request starts a fresh one. The cost is the
 * cached factorization, which a cancelled run does not have anyway.
 */
export class WorkerClient {
  readonly #script: string;
  readonly #config: WorkerConfig;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #disposed = false;

  constructor(script: string, config: WorkerConfig) {
    this.#script = script;
    this.#config = config;
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#script, { workerData: this.#config });
    worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    worker.on('error', (error) =>
      this.#failAll(new WorkerRequestError({ message: `The Lowrank worker crashed: ${error.message}` })),
    );
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (code !== 0 && this.#pending.size > 0) {
        this.#failAll(
          new WorkerRequestError({
            message: `The Lowrank worker stopped (exit code ${code}).`,
            hint: 'It may have run out of memory: lower the scale or the frame count, or raise lowrank.memoryBudgetMB.',
          }),
        );
      }
    });
    this.#worker = worker;
    return worker;
  }

  #onMessage(message: WorkerMessage): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.progress);
      return;
    }
    if (message.type === 'partial') {
      pending.onPartial?.(message.partial);
      return;
    }
    this.#pending.delete(message.id);
    if (message.type === 'done') pending.resolve(message.result);
    else pending.reject(new WorkerRequestError(message.error));
  }

  #failAll(error: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(error);
  }

  request<T extends WorkerRequest>(
    request: T,
    onProgress?: (progress: ProgressInfo) => void,
    onPartial?: (partial: PartialResult) => void,
  ): Promise<WorkerResults[T['type']]> {
    if (this.#disposed) return Promise.reject(new WorkerCancelledError());
    const id = this.#nextId++;
    const worker = this.#ensureWorker();
    return new Promise<WorkerResults[T['type']]>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        ...(onProgress ? { onProgress } : {}),
        ...(onPartial ? { onPartial } : {}),
      });
      worker.postMessage({ id, request } satisfies HostToWorker);
    });
  }

  /**
   * Asks the running request to stop by itself (its AbortSignal): for work that cleans up after
   * itself and should leave the worker's cached results alone. It rejects with the worker's ABORTED error.
   */
  abortCurrent(): void {
    this.#worker?.postMessage({ type: 'abort' } satisfies HostToWorker);
  }

  /** Stops whatever runs now; pending requests reject with WorkerCancelledError. */
  async cancel(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new WorkerCancelledError());
    if (worker) await worker.terminate();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.cancel();
  }
}
