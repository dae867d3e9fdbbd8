#!/usr/bin/env node
// Compares two built checkouts of this repository (before and after a change) on the same bench
// cases, interleaved A/B/A/B in one run, so both sides see the same machine load.
// Usage:
//   node packages/linalg/bench/compare.mjs --before DIR --after DIR --filter NAME [--filter NAME2]
//        [--rounds 3] [--repeat 3] [--reference] [--concurrent] [--out results.jsonl]
// Each round runs `node DIR/packages/cli/dist/bin.js bench --json --filter NAME --repeat N` on one
// side then the other (alternating which goes first), each in its own process; with --concurrent
// both sides run at the same time, so they share whatever load other jobs put on the machine
// (the steadier comparison on a shared machine; each then gets about half of it). Without
// --reference the numpy side is skipped (the CLI is pointed at a shared folder holding only
// data/), which halves the time of the robust PCA cases. Prints one JSON line per record
// ({ side, round, processCpuSeconds, ...record }) on stdout, then a summary on stderr: each case's
// median wall and CPU seconds per side and the ratios after/before, with the load averages seen.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const values = (name) =>
  args.flatMap((a, i) => (a === `--${name}` && i + 1 < args.length ? [args[i + 1]] : []));
const value = (name, fallback) => values(name)[0] ?? fallback;
const sides = { before: value('before'), after: value('after') };
const filters = values('filter');
if (!sides.before || !sides.after || filters.length === 0) {
  process.stderr.write(
    'Usage: compare.mjs --before DIR --after DIR --filter NAME [--rounds 3] [--repeat 3]\n',
  );
  process.exit(2);
}
const rounds = Number(value('rounds', '3'));
const repeat = value('repeat', '3');
const out = value('out');
const sharedDir = resolve(process.env.LOWRANK_SHARED_DIR ?? join(resolve(sides.after), '..', 'shared'));
let sharedForRuns = sharedDir;
let scratch;
if (!args.includes('--reference')) {
  // The CLI runs numpy only when <shared>/bench/reference.py exists: a folder with data/ alone.
  scratch = mkdtempSync(join(tmpdir(), 'lowrank-compare-'));
  symlinkSync(join(sharedDir, 'data'), join(scratch, 'data'));
  sharedForRuns = scratch;
}

const load = () => loadavg()[0].toFixed(2);
// The run's CPU seconds (all its threads), printed at exit: on a machine shared with other jobs,
// wall-clock includes waiting for a core and CPU time does not.
const CPU_AT_EXIT =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nprocess-cpu-seconds '+(u.user+u.system)/1e6+'\\n')})";
const concurrent = args.includes('--concurrent');

/** One bench run of one side, in its own process: its exit status, stdout and stderr. */
function runSide(side, filter) {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        `--import=${CPU_AT_EXIT}`,
        join(resolve(sides[side]), 'packages/cli/dist/bin.js'),
        'bench',
        '--json',
        '--filter',
        filter,
        '--repeat',
        repeat,
      ],
      { env: { ...process.env, LOWRANK_SHARED_DIR: sharedForRuns }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const records = [];
function collect(side, round, filter, loadBefore, run) {
  if (run.status !== 0) process.stderr.write(`${side} ${filter} failed:\n${run.stderr}\n`);
  const cpu = /process-cpu-seconds ([\d.e+-]+)/.exec(run.stderr);
  const processCpuSeconds = cpu ? Number(cpu[1]) : undefined;
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = {
      side,
      round,
      concurrent,
      loadBefore: Number(loadBefore),
      processCpuSeconds,
      ...JSON.parse(line),
    };
    records.push(record);
    process.stdout.write(`${JSON.stringify(record)}\n`);
    if (out) appendFileSync(out, `${JSON.stringify(record)}\n`);
  }
  process.stderr.write(
    `round ${round + 1}/${rounds} ${side} ${filter}: done (load ${loadBefore} -> ${load()})\n`,
  );
}

try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const filter of filters) {
      if (concurrent) {
        // Both sides at the same time: on a machine shared with other jobs, both then see the same load.
        const loadBefore = load();
        const runs = await Promise.all(order.map((side) => runSide(side, filter)));
        for (const [i, side] of order.entries()) collect(side, round, filter, loadBefore, runs[i]);
        continue;
      }
      for (const side of order) {
        const loadBefore = load();
        collect(side, round, filter, loadBefore, await runSide(side, filter));
      }
    }
  }
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const cases = [...new Set(records.map((r) => `${r.suite}/${r.case}`))];
process.stderr.write(
  '\ncase | before median s | after median s | after/before | CPU-s before | CPU-s after | CPU after/before | runs | load range\n',
);
for (const name of cases) {
  const of = (side) => records.filter((r) => `${r.suite}/${r.case}` === name && r.side === side);
  const b = median(of('before').map((r) => r.seconds));
  const a = median(of('after').map((r) => r.seconds));
  // A case's own CPU seconds when it reports them (linalg), else its whole process's.
  const cpuOf = (r) => r.cpuSeconds ?? r.processCpuSeconds;
  const cb = median(of('before').flatMap((r) => (cpuOf(r) === undefined ? [] : [cpuOf(r)])));
  const ca = median(of('after').flatMap((r) => (cpuOf(r) === undefined ? [] : [cpuOf(r)])));
  const cpu = Number.isNaN(cb)
    ? '- | - | -'
    : `${cb.toFixed(4)} | ${ca.toFixed(4)} | ${(ca / cb).toFixed(3)}`;
  const loads = records.filter((r) => `${r.suite}/${r.case}` === name).map((r) => r.load ?? r.loadBefore);
  process.stderr.write(
    `${name} | ${b.toFixed(4)} | ${a.toFixed(4)} | ${(a / b).toFixed(3)} | ${cpu} | ${of('before').length}+${of('after').length} | ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}\n`,
  );
}
