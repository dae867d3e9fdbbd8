#!/usr/bin/env node
// Ctrl-C aborts the running command through its AbortSignal, so that it removes its partial
// outputs before exiting; a second Ctrl-C exits at once. The handler is installed before the
// (heavy) command modules load, so an early Ctrl-C is a clean cancel too.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new Error('interrupted (Ctrl-C)'));
});
process.on('SIGTERM', () => controller.abort(new Error('terminated')));

const { processIO } = await import('./cli-io.js');
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), processIO(controller.signal));
