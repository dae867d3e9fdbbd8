#!/usr/bin/env node
/**
 * The streaming CLI end to end against OpenCV in the same run: `lowrank separate INPUT --method
 * streaming-rpca --masks-only` (decode, separate, masks, mask PNGs and summary.json written) and
 * `reference.py bgsub INPUT --subtractor S --median 5 --masks-out DIR` (decode, subtract, 5x5
 * median, mask PNGs written), alternating round by round so that the machine's drift meets both.
 * Each run is a fresh process timed by /usr/bin/time: wall seconds and processor seconds (user +
 * system, every thread and child: ffmpeg included). Prints one JSON object with the medians.
 *
 *   node packages/algorithms-rpca/bench/cli-end-to-end.mjs INPUT [--rounds 3] [--opencv knn,mog2]
 *     [--method streaming-rpca] [--groundtruth DIR]
 *
 * With --groundtruth, each run's masks are scored by `lowrank eval` (CDnet convention).
 * Needs the CLI built (pnpm build); reference.py as `lowrank bench` finds it (env LOWRANK_BENCH,
 * else ../shared/bench beside the repository).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../cli/dist/bin.js');
const REFERENCE = join(
  process.env.LOWRANK_BENCH ? resolve(process.env.LOWRANK_BENCH) : resolve(here, '../../../../shared/bench'),
  'reference.py',
);

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const input = argv[0] && !argv[0].startsWith('--') ? resolve(argv[0]) : undefined;
if (!input)
  throw new Error('usage: cli-end-to-end.mjs INPUT [--rounds N] [--opencv knn,mog2] (see the header)');
const rounds = Number(flag('rounds', '3'));
const subtractors = flag('opencv', 'knn').split(',').filter(Boolean);
const method = flag('method', 'streaming-rpca');
const groundtruth = flag('groundtruth', undefined);

/** Runs a command under /usr/bin/time: its stdout, wall and processor seconds. */
function timed(command, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line)
    throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const [wall, user, system] = line.slice(5).split(' ').map(Number);
  return { stdout: r.stdout, wall, cpu: user + system };
}

function score(masks) {
  if (!groundtruth) return {};
  const r = spawnSync(
    process.execPath,
    [CLI, 'eval', '--masks', masks, '--groundtruth', groundtruth, '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const e = JSON.parse(r.stdout);
  return { fMeasure: e.fMeasure, precision: e.precision, recall: e.recall };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = { ours: [], ...Object.fromEntries(subtractors.map((s) => [s, []])) };
const work = mkdtempSync(join(tmpdir(), 'lowrank-cli-e2e-'));
const loadBefore = loadavg()[0];
try {
  for (let round = 0; round < rounds; round++) {
    const out = join(work, `ours-${round}`);
    const ours = timed(process.execPath, [
      CLI,
      'separate',
      input,
      '--method',
      method,
      '--masks-only',
      '--out',
      out,
      '--json',
    ]);
    const frames = readdirSync(join(out, 'masks')).length;
    runs.ours.push({
      frames,
      wall: ours.wall,
      cpu: ours.cpu,
      fps: frames / ours.wall,
      ...score(join(out, 'masks')),
    });
    rmSync(out, { recursive: true, force: true });
    for (const s of subtractors) {
      const dir = join(work, `${s}-${round}`);
      const theirs = timed('/usr/bin/python3', [
        REFERENCE,
        'bgsub',
        input,
        '--subtractor',
        s,
        '--median',
        '5',
        '--masks-out',
        dir,
      ]);
      const report = JSON.parse(theirs.stdout);
      const count = readdirSync(dir).length;
      runs[s].push({
        frames: count,
        wall: theirs.wall,
        cpu: theirs.cpu,
        fps: count / theirs.wall,
        reportedEndToEndFps: report.end_to_end_fps,
        ...score(dir),
      });
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const summary = Object.fromEntries(
  Object.entries(runs).map(([k, v]) => [
    k,
    {
      frames: v[0]?.frames,
      fps: median(v.map((r) => r.fps)),
      wallSeconds: median(v.map((r) => r.wall)),
      cpuSeconds: median(v.map((r) => r.cpu)),
      cpuMsPerFrame: (1000 * median(v.map((r) => r.cpu))) / v[0].frames,
      ...(v[0].fMeasure === undefined
        ? {}
        : { fMeasure: v[0].fMeasure, precision: v[0].precision, recall: v[0].recall }),
      rounds: v,
    },
  ]),
);
const report = { input, method, rounds, loadAverage: [loadBefore, loadavg()[0]], ...summary };
for (const s of subtractors) report[`fpsRatioTo_${s}`] = summary.ours.fps / summary[s].fps;
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
