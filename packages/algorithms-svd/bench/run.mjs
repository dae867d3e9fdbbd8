#!/usr/bin/env node
// Runs @lowrank/algorithms-svd's bench suite outside the CLI: a BenchContext built on ffmpeg
// (8-bit gray, value / 255, exactly as shared/bench/reference.py decodes) and the numpy reference
// through child_process. Prints one JSON line per record (plus one with the machine load).
//   node packages/algorithms-svd/bench/run.mjs [--repeat 3] [--case NAME]
// Build first: npx tsc -p packages/linalg/tsconfig.build.json && npx tsc -p packages/algorithms-svd/tsconfig.build.json
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { videoMatrixFrom } from '@lowrank/core';
import { benchSuite } from '../dist/bench.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const repeat = Number(flag('--repeat', '3'));
const only = flag('--case', undefined);
const sharedDir = process.env.LOWRANK_SHARED_DIR
  ? resolve(process.env.LOWRANK_SHARED_DIR)
  : fileURLToPath(new URL('../../../../shared/', import.meta.url));
const referenceScript = join(sharedDir, 'bench', 'reference.py');
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

async function probe(path) {
  const { stdout } = await run('ffprobe', [
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
  const s = JSON.parse(stdout).streams[0];
  return { width: s.width, height: s.height };
}

/** Gray frames of one file as a Uint8 buffer (frames * width * height). */
async function decodeGray(path, width, height, frames) {
  const cmd = [
    '-nostdin',
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
  if (frames) cmd.push('-frames:v', String(frames));
  const { stdout } = await run('ffmpeg', [...cmd, 'pipe:1'], { encoding: 'buffer', maxBuffer: 2 ** 31 - 1 });
  return stdout;
}

async function loadMedia(path, options = {}) {
  const scale = options.scale ?? 1;
  const isDir = (await stat(path)).isDirectory();
  if (isDir) {
    const files = (await readdir(path))
      .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
      .sort()
      .slice(0, options.frames ?? undefined);
    let shape;
    const columns = [];
    for (const f of files) {
      const m = await loadMedia(join(path, f), { scale });
      shape ??= { width: m.cols, height: m.rows };
      columns.push(m.data);
    }
    const pixels = shape.width * shape.height;
    const data = new Float64Array(files.length * pixels);
    columns.forEach((c, i) => {
      data.set(c, i * pixels);
    });
    return videoMatrixFrom(data, { frames: files.length, ...shape });
  }
  let { width, height } = await probe(path);
  if (scale !== 1) {
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
  }
  const raw = await decodeGray(path, width, height, options.frames);
  const pixels = width * height;
  const frames = Math.floor(raw.length / pixels);
  const data = new Float64Array(frames * pixels);
  for (let i = 0; i < data.length; i++) data[i] = raw[i] / 255;
  if (IMAGE_EXT.has(extname(path).toLowerCase()))
    return { rows: height, cols: width, data: data.subarray(0, pixels) };
  return videoMatrixFrom(data, { frames, width, height });
}

async function reference(refArgs) {
  try {
    const { stdout } = await run('/usr/bin/python3', [referenceScript, ...refArgs], { maxBuffer: 1 << 26 });
    return JSON.parse(stdout);
  } catch (error) {
    console.error(`reference unavailable: ${error.message.split('\n')[0]}`);
    return undefined;
  }
}

const ctx = {
  loadMedia,
  reference,
  dataPath: (relative) => join(sharedDir, 'data', relative),
  repeat,
  log: (message) => console.error(message),
};

console.log(JSON.stringify({ load: loadavg().map((x) => Number(x.toFixed(2))), repeat }));
for (const benchCase of benchSuite.cases) {
  if (only && benchCase.name !== only) continue;
  for (const record of await benchCase.run(ctx)) console.log(JSON.stringify(record));
}
console.log(JSON.stringify({ loadAfter: loadavg().map((x) => Number(x.toFixed(2))) }));
