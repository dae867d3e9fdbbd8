#!/usr/bin/env node
// Runs the @lowrank/linalg benchmark suite standalone and prints one JSON line per record.
// Usage: node packages/linalg/bench/run.mjs [--repeat N] [--case SUBSTRING] [--backend auto|js|wasm] [--threads N]
// (build first: the suite is loaded from dist/).
import { loadavg, uptime } from 'node:os';
import { linalgBenchSuite } from '../dist/bench.js';
import { setLinalgBackend } from '../dist/index.js';

const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const repeat = Number(flag('repeat', '3'));
const only = flag('case', '');
setLinalgBackend(flag('backend', 'auto'), { threads: Number(flag('threads', '1')) });

const ctx = {
  repeat,
  log: (message) => process.stderr.write(`${message}\n`),
  dataPath: (relative) => relative,
  loadMedia: () => Promise.reject(new Error('The linalg suite does not load media.')),
  reference: () => Promise.resolve(undefined),
};

process.stderr.write(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (up ${Math.round(uptime())} s)\n`,
);
for (const benchCase of linalgBenchSuite.cases) {
  if (only && !benchCase.name.includes(only)) continue;
  for (const record of await benchCase.run(ctx))
    process.stdout.write(`${JSON.stringify({ suite: linalgBenchSuite.name, ...record })}\n`);
}
