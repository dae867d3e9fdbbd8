#!/usr/bin/env node
// Runs @lowrank/algorithms-rpca's benchmark suite standalone (build first: tsc -p tsconfig.build.json).
//   node packages/algorithms-rpca/bench/run.mjs [--case pcp-highway-half|pcp-highway-full|all] [--no-reference]
// Media are decoded exactly like reference.py: ffmpeg 8-bit gray, -vf scale=W:H:flags=area with
// W = max(1, round(w * s)), value / 255; the numpy side is reference.py in the same run.
// Prints one JSON line per record on stdout; progress goes to stderr.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rpcaBenchSuite } from '../dist/bench.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.LOWRANK_SHARED_DIR
  ? resolve(process.env.LOWRANK_SHARED_DIR)
  : resolve(here, '../../../../shared');
const args = process.argv.slice(2);
const only = args.includes('--case') ? args[args.indexOf('--case') + 1] : 'pcp-highway-half';
const withReference = !args.includes('--no-reference');
const run = promisify(execFile);

function probe(path) {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'json',
    path,
  ]);
  const s = JSON.parse(out.toString()).streams[0];
  return { width: s.width, height: s.height };
}

const ctx = {
  repeat: 1,
  log: (message) => process.stderr.write(`${message}\n`),
  dataPath: (relative) => join(shared, 'data', relative),
  async loadMedia(path, options = {}) {
    const scale = options.scale ?? 1;
    let { width, height } = probe(path);
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
    const cmd = [
      '-v',
      'error',
      '-i',
      path,
      '-vf',
      `scale=${width}:${height}:flags=area`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
    ];
    if (options.frames) cmd.push('-frames:v', String(options.frames));
    const { stdout } = await run('ffmpeg', [...cmd, 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 30 });
    const pixels = width * height;
    const frames = Math.floor(stdout.length / pixels);
    const data = new Float64Array(frames * pixels);
    for (let k = 0; k < data.length; k++) data[k] = stdout[k] / 255;
    return { rows: frames, cols: pixels, data, layout: 'frames-by-pixels', width, height, channels: 1 };
  },
  async reference(refArgs) {
    const script = join(shared, 'bench', 'reference.py');
    if (!withReference || !existsSync(script)) return undefined;
    try {
      const { stdout } = await run('/usr/bin/python3', [script, ...refArgs], { maxBuffer: 1 << 24 });
      return JSON.parse(stdout.toString().trim().split('\n').pop());
    } catch (error) {
      ctx.log(`numpy reference unavailable: ${error.message}`);
      return undefined;
    }
  },
};

for (const c of rpcaBenchSuite.cases) {
  if (only !== 'all' && c.name !== only) continue;
  for (const record of await c.run(ctx)) process.stdout.write(`${JSON.stringify(record)}\n`);
}
