/**
 * The command runs here, in a worker thread, so that the process's main thread (bin.ts) stays free
 * to answer Ctrl-C and SIGTERM at once even while a long matrix product blocks this thread. The
 * supervisor is told about every temporary output as it is created and released, so that it can
 * remove them itself if it has to stop this thread mid-product.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { spawnKernelThreads } from '@lowrank/linalg';

export type SupervisorMessage =
  | { readonly type: 'temporary'; readonly event: 'created' | 'released'; readonly path: string }
  | { readonly type: 'exit'; readonly code: number };

const COMPUTING_COMMANDS = new Set(['compress', 'separate', 'background', 'demo']);

export interface WorkerStart {
  readonly argv: readonly string[];
  readonly stdoutIsTTY: boolean;
}

const port = parentPort!;
const start = workerData as WorkerStart;
// Commands that factorize start linalg's worker threads first: their start-up then overlaps the
// loading of everything else below (about 0.1 s before a big photo's decode can use them).
if (COMPUTING_COMMANDS.has(start.argv[0] ?? '')) spawnKernelThreads();
const [{ watchTemporaryPaths }, { processIO }, { runCommand }] = await Promise.all([
  import('@lowrank/io'),
  import('./cli-io.js'),
  import('./run-command.js'),
]);
const controller = new AbortController();
port.on('message', (message: { type: 'abort'; reason: string }) => {
  if (message.type === 'abort') controller.abort(new Error(message.reason));
});
watchTemporaryPaths((event, path) =>
  port.postMessage({ type: 'temporary', event, path } satisfies SupervisorMessage),
);
const io = { ...processIO(controller.signal), stdoutIsTTY: start.stdoutIsTTY };
const code = await runCommand(start.argv, io);
port.postMessage({ type: 'exit', code } satisfies SupervisorMessage);
port.close();
