/**
 * The command runs here, in a worker thread, so that the process's main thread (bin.ts) stays free
 * to answer Ctrl-C and SIGTERM at once even while a long matrix product blocks this thread. The
 * supervisor is told about every temporary output as it is created and released, so that it can
 * remove them itself if it has to stop this thread mid-product.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { watchTemporaryPaths } from '@lowrank/io';
import { processIO } from './cli-io.js';
import { main } from './main.js';

export type SupervisorMessage =
  | { readonly type: 'temporary'; readonly event: 'created' | 'released'; readonly path: string }
  | { readonly type: 'exit'; readonly code: number };

export interface WorkerStart {
  readonly argv: readonly string[];
  readonly stdoutIsTTY: boolean;
}

const port = parentPort!;
const start = workerData as WorkerStart;
const controller = new AbortController();
port.on('message', (message: { type: 'abort'; reason: string }) => {
  if (message.type === 'abort') controller.abort(new Error(message.reason));
});
watchTemporaryPaths((event, path) =>
  port.postMessage({ type: 'temporary', event, path } satisfies SupervisorMessage),
);
const io = { ...processIO(controller.signal), stdoutIsTTY: start.stdoutIsTTY };
const code = await main(start.argv, io);
port.postMessage({ type: 'exit', code } satisfies SupervisorMessage);
port.close();
