/**
 * Worker thread entry (bundled to dist/worker.js). All computation happens here, never on the
 * extension host thread; the host terminates this thread to cancel.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProgressInfo } from '../shared/protocol.js';
import type { HostToWorker, WorkerConfig, WorkerMessage } from '../shared/worker-protocol.js';
import { Engine, toErrorInfo } from './engine.js';
import { collectTransferables } from './transferables.js';

if (!parentPort) throw new Error('lowrank worker: must run inside a worker thread.');
const port = parentPort;
const config = workerData as WorkerConfig;
const engine = new Engine(config);

/**
 * Progress at most every 100 ms per request (the UI cannot show more, and posting is not free); a
 * new stage always goes, and so do a live frame (the engine sends those a few times a second) and a note.
 */
function throttledProgress(id: number): (progress: ProgressInfo) => void {
  let last = 0;
  let stage = '';
  return (progress) => {
    const now = performance.now();
    if (now - last < 100 && progress.stage === stage && !progress.frame && !progress.note) return;
    last = now;
    stage = progress.stage;
    port.postMessage(
      { type: 'progress', id, progress } satisfies WorkerMessage,
      collectTransferables(progress),
    );
  };
}

// Requests run one after another: the engine keeps one panel's state, and the host never needs two
// computations of one panel at once.
let queue: Promise<void> = Promise.resolve();
let current: AbortController | undefined;
port.on('message', (envelope: HostToWorker) => {
  if ('type' in envelope) {
    current?.abort();
    return;
  }
  queue = queue.then(async () => {
    const controller = new AbortController();
    current = controller;
    try {
      const result = await engine.handle(
        envelope.request,
        throttledProgress(envelope.id),
        controller.signal,
        (partial) =>
          port.postMessage(
            { type: 'partial', id: envelope.id, partial } satisfies WorkerMessage,
            collectTransferables(partial),
          ),
      );
      port.postMessage(
        { type: 'done', id: envelope.id, result } satisfies WorkerMessage,
        collectTransferables(result),
      );
    } catch (error) {
      port.postMessage({
        type: 'failed',
        id: envelope.id,
        error: toErrorInfo(error),
      } satisfies WorkerMessage);
    } finally {
      if (current === controller) current = undefined;
    }
  });
});
