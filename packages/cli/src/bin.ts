#!/usr/bin/env node
/**
 * The `lowrank` process: a supervisor on the main thread, the command in a worker thread
 * (worker-main.ts). Ctrl-C (SIGINT) or SIGTERM asks the command to stop through its AbortSignal;
 * if it has not stopped within STOP_GRACE_MS (it may be inside one long matrix product), the
 * supervisor removes the temporary outputs the command had open, stops the worker and exits: within
 * a second, at any stage, with 130 for SIGINT and 143 for SIGTERM, and nothing half-written left.
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SupervisorMessage, WorkerStart } from './worker-main.js';

/** How long a cancelled command may take to stop by itself before it is stopped. */
const STOP_GRACE_MS = 300;
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

const temporaries = new Set<string>();
/**
 * The command's young generation, capped: V8 grows it (up to 48 MB) as a long run keeps allocating,
 * so a stream's peak memory grew with the video's length (the highway video ten times over peaked
 * 15% above once; capped, the two are alike). Commands keep their big arrays outside the V8 heap,
 * where the cap does not reach.
 */
const YOUNG_GENERATION_MB = 6;

const worker = new Worker(new URL('./worker-main.js', import.meta.url), {
  workerData: {
    argv: process.argv.slice(2),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  } satisfies WorkerStart,
  resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
});
let signalled: keyof typeof EXIT_CODES | undefined;
let exitCode: number | undefined;

worker.on('message', (message: SupervisorMessage) => {
  if (message.type === 'temporary') {
    if (message.event === 'created') temporaries.add(message.path);
    else temporaries.delete(message.path);
  } else if (message.type === 'exit') {
    exitCode = message.code;
  }
});
worker.on('error', (error) => {
  process.stderr.write(
    `lowrank: internal error: ${error.message} (please report it with the command you ran)\n`,
  );
  exitCode = 1;
});
worker.on('exit', () => {
  process.exitCode = signalled ? EXIT_CODES[signalled] : (exitCode ?? 1);
});

function stopNow(): never {
  // Newest first: a partial folder's contents before the folder.
  for (const path of [...temporaries].reverse()) rmSync(path, { recursive: true, force: true });
  process.stderr.write('\nlowrank: cancelled; no output was written.\n');
  process.exit(EXIT_CODES[signalled ?? 'SIGINT']);
}

function onSignal(name: keyof typeof EXIT_CODES): void {
  if (signalled) stopNow(); // a second Ctrl-C: at once
  signalled = name;
  worker.postMessage({ type: 'abort', reason: name === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'terminated' });
  setTimeout(stopNow, STOP_GRACE_MS).unref();
}
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
