/** The slice of node:worker_threads the pool uses (this package also runs in browsers, without it). */
export interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}
export interface MessagePortLike {
  postMessage(message: unknown): void;
  close(): void;
}
export interface WorkerThreadsModule {
  Worker: new (
    code: string,
    options: { eval: true; workerData: unknown; transferList: readonly unknown[] },
  ) => WorkerLike;
  MessageChannel: new () => { port1: MessagePortLike; port2: MessagePortLike };
}

/** node:worker_threads where the runtime has it (Node >= 20.16: process.getBuiltinModule). */
export function workerThreads(): WorkerThreadsModule | undefined {
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
