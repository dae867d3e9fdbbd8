#!/usr/bin/env node
/**
 * End-to-end run of the streaming-rpca separator: decode (ffmpeg via @lowrank/io's readFrames,
 * 8-bit gray / 255, as reference.py decodes), separate frame by frame, masks with the default rules
 * (StreamingForegroundMasks, as `lowrank separate --masks` makes them), masks written as PNG (optional), scored against CDnet ground truth (optional),
 * with OpenCV's subtractors (reference.py bgsub) run on the same input in the same run (optional,
 * interleaved with ours). Prints one JSON object.
 *
 *   node packages/algorithms-rpca/bench/streaming-separate.mjs INPUT [options]
 *     --masks-out DIR        write masks as DIR/<stem>.png (frame folders) or DIR/frame%06d.png (videos)
 *     --groundtruth DIR      score the masks (CDnet gtNNNNNN.png, same order as the input frames)
 *     --concat N             separate the video N times over (ffmpeg concat, stream copy) in one stream
 *     --opencv knn,mog2      also run reference.py bgsub with these subtractors (5x5 median on their
 *                            masks, as in issue 15's table), masks written when --masks-out is given
 *     --rounds N             alternate ours and OpenCV N times (medians reported); default 1
 *     --option key=value     a streaming-rpca option (repeatable), e.g. --option rank=2
 *     --no-masks             separate only (no mask rule, nothing written)
 *
 * Needs the package built (pnpm build). Measures peak RSS from /proc/self/status (VmHWM) per round
 * in a child process, so one round's memory does not hide in another's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { evaluateMasks, openStreamingRpca, StreamingForegroundMasks } from '@lowrank/algorithms-rpca';
import { openVideoSource, readFrames, readImage } from '@lowrank/io';

const here = dirname(fileURLToPath(import.meta.url));
// reference.py as `lowrank bench` finds it: env LOWRANK_BENCH, else ../shared/bench beside the repository.
const REFERENCE = join(
  process.env.LOWRANK_BENCH ? resolve(process.env.LOWRANK_BENCH) : resolve(here, '../../../../shared/bench'),
  'reference.py',
);

function parse(argv) {
  const args = { input: undefined, options: {}, opencv: [], rounds: 1, concat: 1, masks: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i];
    if (a === '--masks-out') args.masksOut = resolve(value());
    else if (a === '--groundtruth') args.groundtruth = resolve(value());
    else if (a === '--concat') args.concat = Number(value());
    else if (a === '--opencv') args.opencv = value().split(',').filter(Boolean);
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--option') {
      const [k, v] = value().split('=');
      args.options[k] = Number(v);
    } else if (a === '--no-masks') args.masks = false;
    else if (a === '--child') args.child = true;
    else if (!a.startsWith('--') && args.input === undefined) args.input = resolve(a);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.input) throw new Error('usage: streaming-separate.mjs INPUT [options] (see the header)');
  return args;
}

/** A minimal 8-bit gray PNG (filter 0, deflate level 1, like OpenCV's default speed setting). */
function encodePng(mask, width, height) {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    raw.set(mask.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // gray
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function peakRss() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

function concatenated(input, times, dir) {
  if (times <= 1) return input;
  const list = join(dir, 'list.txt');
  writeFileSync(
    list,
    Array.from({ length: times }, () => `file '${input.replaceAll("'", "'\\''")}'`).join('\n'),
  );
  const out = join(dir, `concat${input.slice(input.lastIndexOf('.'))}`);
  const r = spawnSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-c',
    'copy',
    out,
  ]);
  if (r.status !== 0) throw new Error(`ffmpeg concat failed: ${r.stderr}`);
  return out;
}

/** One run of ours, in this process (the --child side). */
async function runOurs(args) {
  const source = await openVideoSource(args.input, { mode: 'gray' });
  const { width, height } = source;
  const pixels = width * height;
  const names = [];
  const separation = openStreamingRpca({ width, height, channels: 1 }, args.options);
  const maskModel = new StreamingForegroundMasks({ width, height, channels: 1 });
  // The frames pushed, until their masks are made (the first ones come out together).
  const pending = new Map();
  const masks = args.groundtruth ? [] : undefined;
  if (args.masksOut) mkdirSync(args.masksOut, { recursive: true });
  let separateMs = 0;
  let maskMs = 0;
  let frames = 0;
  let peakState = 0;
  const rssTrace = [];
  const writes = new Set();
  const start = performance.now();
  const take = async (outs) => {
    for (const out of outs) {
      if (!args.masks) continue;
      const t = performance.now();
      const original = pending.get(out.index);
      pending.delete(out.index);
      const m = maskModel.push(separation, out, original);
      maskMs += performance.now() - t;
      if (masks) masks.push(m);
      if (args.masksOut) {
        const name = names[out.index] ?? `frame${String(out.index + 1).padStart(6, '0')}`;
        const write = writeFile(join(args.masksOut, `${name}.png`), encodePng(m, width, height));
        writes.add(write);
        write.finally(() => writes.delete(write));
        if (writes.size > 16) await Promise.race(writes);
      }
    }
  };
  for await (const decoded of readFrames(source)) {
    names.push(decoded.name ?? `frame${String(decoded.index + 1).padStart(6, '0')}`);
    const data = decoded.data;
    const frame = new Float32Array(pixels);
    for (let k = 0; k < pixels; k++) frame[k] = data[k] / 255;
    if (args.masks) pending.set(frames, frame);
    const t = performance.now();
    const outs = separation.push(frame);
    separateMs += performance.now() - t;
    frames++;
    peakState = Math.max(peakState, separation.diagnostics().stateBytes);
    if (frames % 250 === 0) rssTrace.push([frames, Math.round(process.memoryUsage().rss / 1e6)]);
    await take(outs);
  }
  const t = performance.now();
  const rest = separation.finish();
  separateMs += performance.now() - t;
  await take(rest);
  await Promise.all(writes);
  const seconds = (performance.now() - start) / 1000;
  const result = {
    what: 'streaming-rpca',
    frames,
    width,
    height,
    seconds,
    endToEndFps: frames / seconds,
    separateMsPerFrame: separateMs / frames,
    separateFps: (1000 * frames) / separateMs,
    maskMsPerFrame: maskMs / frames,
    stateBytes: peakState,
    peakRssBytes: peakRss(),
    rank: separation.diagnostics().rank,
    rssTraceMb: rssTrace,
  };
  if (masks) Object.assign(result, await score(masks, args.groundtruth, pixels));
  return result;
}

async function score(masks, groundtruth, pixels) {
  const files = readdirSync(groundtruth)
    .filter((f) => /\.(png|bmp)$/i.test(f))
    .sort();
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < files.length && i < masks.length; i++) {
    const truth = await readImage(join(groundtruth, files[i]), { mode: 'gray' });
    const labels = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) labels[p] = Math.round(truth.matrix.data[p] * 255);
    const e = evaluateMasks(masks[i], labels);
    tp += e.tp;
    fp += e.fp;
    fn += e.fn;
  }
  const precision = tp / (tp + fp || 1);
  const recall = tp / (tp + fn || 1);
  return {
    precision,
    recall,
    fMeasure: (2 * precision * recall) / (precision + recall || 1),
    scoredFrames: Math.min(files.length, masks.length),
  };
}

async function readMaskFolder(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const out = [];
  for (const f of files) {
    const image = await readImage(join(dir, f), { mode: 'gray' });
    out.push(Uint8Array.from(image.matrix.data, (v) => (v >= 0.5 ? 255 : 0)));
  }
  return out;
}

function runChild(argv) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv, '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`child exited ${code}`)),
    );
  });
}

function runOpenCv(input, subtractor, masksOut) {
  const args = [REFERENCE, 'bgsub', input, '--subtractor', subtractor, '--median', '5'];
  if (masksOut) args.push('--masks-out', masksOut);
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { what: `opencv ${subtractor}`, error: r.stderr.trim().split('\n').pop() };
  return JSON.parse(r.stdout);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const argv = process.argv.slice(2);
  const args = parse(argv);
  if (args.child) {
    process.stdout.write(JSON.stringify(await runOurs(args)));
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'lowrank-streaming-'));
  try {
    const input = concatenated(args.input, args.concat, work);
    const childArgv = [input];
    if (args.masksOut) childArgv.push('--masks-out', args.masksOut);
    if (args.groundtruth) childArgv.push('--groundtruth', args.groundtruth);
    if (!args.masks) childArgv.push('--no-masks');
    for (const [k, v] of Object.entries(args.options)) childArgv.push('--option', `${k}=${v}`);
    const ours = [];
    const opencv = Object.fromEntries(args.opencv.map((s) => [s, []]));
    for (let round = 0; round < args.rounds; round++) {
      ours.push(await runChild(childArgv));
      for (const s of args.opencv) {
        const masksOut = args.masksOut || args.groundtruth ? join(work, `${s}-${round}`) : undefined;
        const r = runOpenCv(input, s, masksOut);
        if (args.groundtruth && masksOut && !r.error)
          Object.assign(r, await score(await readMaskFolder(masksOut), args.groundtruth, r.width * r.height));
        opencv[s].push(r);
      }
    }
    const summary = (runs, keys) => Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
    const report = {
      input: args.input,
      concat: args.concat,
      options: args.options,
      masksWritten: Boolean(args.masksOut),
      ours: {
        ...ours[0],
        ...summary(ours, [
          'seconds',
          'endToEndFps',
          'separateMsPerFrame',
          'separateFps',
          'maskMsPerFrame',
          'peakRssBytes',
        ]),
        rounds: ours.map((r) => ({ endToEndFps: r.endToEndFps, separateMsPerFrame: r.separateMsPerFrame })),
      },
      opencv: Object.fromEntries(
        Object.entries(opencv).map(([s, runs]) => [
          s,
          runs[0]?.error
            ? runs[0]
            : {
                ...runs[0],
                ...summary(runs, ['end_to_end_fps', 'subtractor_fps']),
                rounds: runs.map((r) => ({
                  end_to_end_fps: r.end_to_end_fps,
                  subtractor_fps: r.subtractor_fps,
                })),
              },
        ]),
      ),
    };
    for (const [s, r] of Object.entries(report.opencv))
      if (r.end_to_end_fps) report[`endToEndRatioTo_${s}`] = report.ours.endToEndFps / r.end_to_end_fps;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
