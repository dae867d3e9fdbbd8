#!/usr/bin/env node
// Measures what factorize() really holds against each plugin's estimateWorkingBytes, one fresh
// Node process per case, and prints one JSON line per case (plus one for the process baseline).
//
//   node packages/cli/bench/measure-working-memory.mjs [--case A,B] [--skip C,D] [--data DIR] \
//     >> packages/cli/bench/results/working-memory.jsonl
//   node packages/cli/bench/measure-working-memory.mjs --reestimate FILE
//
// --case/--skip keep/drop cases whose name contains any of the comma-separated substrings. A table
// goes to stderr at the end. --reestimate prints FILE's records with the estimates of the current
// build (the measured columns as they were), for checking a formula change without measuring again.
//
// Build first (the packages are loaded from dist/). Reads the shared data folder (default
// ../shared/data beside the repository; --data to change) and makes a 4000 x 3000 photo in a
// temporary folder by upscaling astronaut.png with ffmpeg (removed at the end).
//
// In each child process: import the CLI's packages and start linalg's worker threads (a small
// threaded product), then measure
//   baseline   RSS after the imports and the thread start (after a full GC);
//   decode     readVideoMatrix with allocate: allocateCollectedKernelArray, as the CLI decodes
//              (readImage for images, gray); its peak RSS beyond the baseline and the matrix itself
//              is the decode overhead; ffmpeg's own peak RSS (its process, not ours) is sampled
//              from /proc while it runs;
//   factorize  default options (ranks as the case says); measured = peak RSS during factorize
//              (process.resourceUsage().maxRSS, its high-water mark reset through
//              /proc/self/clear_refs after the decode) minus the RSS just before it, with the
//              result still referenced; next to plugin.estimateWorkingBytes(shape, options).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '../../..');

const GB = 1e9;

function flag(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** The cases: videos with the video methods, images with the image methods (ranks 50 and full). */
function cases(data, photo) {
  const video = (file) => join(data, 'video', file);
  const list = [];
  const videos = [
    { name: 'highway@0.5', source: video('highway-traffic-320x240.avi'), scale: 0.5 },
    { name: 'highway@1', source: video('highway-traffic-320x240.avi'), scale: 1 },
    { name: 'pedestrians@0.5', source: video('pedestrians-768x576.avi'), scale: 0.5 },
    { name: 'cdnet-fall@1', source: join(data, 'cdnet-fall', 'input'), scale: 1 },
  ];
  for (const v of videos) {
    for (const color of [false, true]) {
      list.push({ kind: 'decode', ...v, name: `${v.name}${color ? ' color' : ''} decode`, color });
      for (const method of ['rpca', 'svd-background']) {
        list.push({
          kind: 'video',
          ...v,
          name: `${v.name}${color ? ' color' : ''} ${method}`,
          color,
          method,
        });
      }
    }
  }
  // rpca's other colour mode: all three channels factorized (a matrix three times wider).
  list.push({
    kind: 'video',
    name: 'highway@0.5 color rpca channels',
    source: video('highway-traffic-320x240.avi'),
    scale: 0.5,
    color: true,
    method: 'rpca',
    options: { colorMode: 'channels' },
  });
  const images = [
    ['camera', join(data, 'images', 'camera.png')],
    ['astronaut', join(data, 'images', 'astronaut.png')],
    ['coffee', join(data, 'images', 'coffee.png')],
    ['photo-4000x3000', photo],
  ];
  for (const [name, source] of images) {
    for (const method of ['svd', 'randomized-svd']) {
      for (const rank of [50, 'full']) {
        list.push({ kind: 'image', name: `${name} ${method} rank ${rank}`, source, method, rank });
      }
    }
    // The example plugin; its memory does not depend on the sweep count, its time does.
    list.push({
      kind: 'image',
      name: `${name} nmf`,
      source,
      method: 'nmf',
      options: name.startsWith('photo') ? { maxIterations: 3 } : {},
    });
  }
  return list;
}

async function runParent(args) {
  const reestimateFile = flag(args, 'reestimate', '');
  if (reestimateFile) return reestimate(reestimateFile);
  const data = resolve(flag(args, 'data', join(repository, '..', 'shared', 'data')));
  const only = flag(args, 'case', '').split(',');
  const skip = flag(args, 'skip', '').split(',').filter(Boolean);
  const temp = mkdtempSync(join(tmpdir(), 'lowrank-memory-bench-'));
  const photo = join(temp, 'photo-4000x3000.png');
  const date = new Date().toISOString().slice(0, 10);
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  try {
    const selected = cases(data, photo).filter(
      (c) => only.some((x) => c.name.includes(x)) && !skip.some((x) => c.name.includes(x)),
    );
    const records = [];
    if (selected.some((c) => c.source === photo))
      await makePhoto(join(data, 'images', 'astronaut.png'), photo);
    const baseline = await child({ kind: 'baseline', name: 'baseline' });
    process.stdout.write(`${JSON.stringify({ date, loadavg: load, ...baseline })}\n`);
    for (const c of selected) {
      const record = await child(c);
      records.push(record);
      process.stdout.write(`${JSON.stringify({ date, ...record })}\n`);
    }
    printTable(records);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

const MB = (bytes) => (bytes / 1e6).toFixed(1);

/** Estimate against measurement, one row per factorize case (stderr). */
function printTable(records) {
  const rows = records.filter((r) => r.measuredBytes !== undefined);
  process.stderr.write('case | input MB | measured MB | estimate MB | estimate / measured\n');
  for (const r of rows) {
    process.stderr.write(
      `${r.case} | ${MB(r.inputBytes)} | ${MB(r.measuredBytes)} | ${r.estimateBytes === null ? '-' : MB(r.estimateBytes)} | ${r.estimateOverMeasured ?? '-'}\n`,
    );
  }
}

/** Recomputes the estimates of recorded cases with the current build. */
async function reestimate(file) {
  const plugins = await loadPlugins();
  const records = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line);
    if (record.measuredBytes !== undefined && plugins[record.method]) {
      const shape = {
        rows: record.rows,
        cols: record.cols,
        ...(record.channels === undefined ? {} : { channels: record.channels }),
      };
      const estimate = plugins[record.method].estimateWorkingBytes(shape, record.options);
      record.estimateBytes = estimate;
      record.estimateOverMeasured = Number((estimate / record.measuredBytes).toFixed(3));
    }
    records.push(record);
    process.stdout.write(`${JSON.stringify(record)}\n`);
  }
  printTable(records);
}

async function loadPlugins() {
  const svdPackage = await import('@lowrank/algorithms-svd');
  const rpcaPackage = await import('@lowrank/algorithms-rpca');
  const { nmf } = await import(join(repository, 'examples', 'nmf-plugin', 'dist', 'index.js'));
  return {
    rpca: rpcaPackage.rpca,
    'svd-background': svdPackage.svdBackgroundFactorizer,
    svd: svdPackage.svdFactorizer,
    'randomized-svd': svdPackage.randomizedSvdFactorizer,
    nmf,
  };
}

function makePhoto(from, to) {
  return new Promise((done, fail) => {
    const ffmpeg = spawn(
      'ffmpeg',
      ['-v', 'error', '-y', '-i', from, '-vf', 'scale=4000:3000:flags=bicubic', to],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    ffmpeg.on('error', fail);
    ffmpeg.on('close', (code) =>
      code === 0 && existsSync(to) ? done() : fail(new Error(`ffmpeg exited ${code}`)),
    );
  });
}

function child(spec) {
  return new Promise((done, fail) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.on('error', fail);
    proc.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) {
        done({ case: spec.name, error: `child exited ${code}` });
        return;
      }
      done(JSON.parse(line));
    });
  });
}

// ---- child side ----

const rss = () => process.memoryUsage().rss;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
function settle() {
  globalThis.gc();
  globalThis.gc();
}
/** Resets the kernel's peak-RSS mark of this process (Linux >= 4.0), so maxRSS covers what follows. */
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS of the ffmpeg processes this one starts, sampled from /proc while they run (Linux). */
function watchChildren() {
  const peaks = new Map();
  const sample = () => {
    for (const task of safeList('/proc/self/task')) {
      let children = '';
      try {
        children = readFileSync(`/proc/self/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const pid of children.split(/\s+/).filter(Boolean)) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          const name = /Name:\s*(\S+)/.exec(status)?.[1] ?? '?';
          const hwm = Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? 0) * 1024;
          const key = `${pid}`;
          const seen = peaks.get(key);
          if (!seen || hwm > seen.bytes) peaks.set(key, { name, bytes: hwm });
        } catch {
          // exited between the listing and the read
        }
      }
    }
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let bytes = 0;
      for (const p of peaks.values()) if (p.name.startsWith('ffmpeg')) bytes = Math.max(bytes, p.bytes);
      return bytes;
    },
  };
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Resident bytes of linalg's shared WebAssembly memory: the read-write mapping directly below its
 * inaccessible reservation (8 GiB in all for a shared memory of up to 4 GiB), from /proc/self/smaps.
 */
function kernelResidentBytes() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const mappings = [];
  let current;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (head) {
      current = { start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3], rss: 0 };
      mappings.push(current);
      continue;
    }
    const resident = /^Rss:\s+(\d+) kB/.exec(line);
    if (resident && current) current.rss = Number(resident[1]) * 1024;
  }
  let best = null;
  for (let i = 0; i + 1 < mappings.length; i++) {
    const [used, guard] = [mappings[i], mappings[i + 1]];
    if (!used.perms.startsWith('rw') || guard.perms !== '---p' || used.end !== guard.start) continue;
    if (guard.end - used.start < 4n * 1024n ** 3n) continue;
    if (!best || used.rss > best.rss) best = used;
  }
  return best ? best.rss : 0;
}

/**
 * The video decoded as the CLI does, then moved to the bottom of a fresh kernel memory:
 * readVideoMatrix allocates twice when the header over-counts frames (highway: 750 for 748), and
 * the first array's hole would let factorize() reuse pages the decode already touched. The decode's
 * own cost is measured by the 'decode' cases. (A function of its own, so that the decoded array is
 * garbage once it returns.)
 */
async function videoAtKernelBottom(spec, linalg, readVideoMatrix) {
  const decoded = await readVideoMatrix(spec.source, {
    mode: spec.color ? 'rgb' : 'gray',
    scale: spec.scale,
    memoryBudget: 16 * GB,
  });
  const data = linalg.allocateCollectedKernelArray(decoded.matrix.data.length);
  data.set(decoded.matrix.data);
  return { ...decoded.matrix, data };
}

/** The decode alone, as the CLI runs it: peak RSS beyond the baseline and the matrix, and ffmpeg's. */
async function measureDecode(spec, linalg, readVideoMatrix, baseline) {
  resetPeak();
  const watcher = watchChildren();
  const started = performance.now();
  const decoded = await readVideoMatrix(spec.source, {
    mode: spec.color ? 'rgb' : 'gray',
    scale: spec.scale,
    allocate: linalg.allocateCollectedKernelArray,
    memoryBudget: 16 * GB,
  });
  const seconds = (performance.now() - started) / 1000;
  const ffmpegPeak = watcher.stop();
  const peak = peakRss();
  const matrix = decoded.matrix;
  const inputBytes = matrix.data.byteLength;
  return {
    case: spec.name,
    rows: matrix.rows,
    cols: matrix.cols,
    channels: matrix.channels,
    framesFromHeader: decoded.source.frames,
    inputBytes,
    baselineBytes: baseline,
    peakRssDuringDecode: peak,
    decodeOverheadBytes: peak - baseline - inputBytes,
    kernelResidentBytes: kernelResidentBytes(),
    kernelMatrixBytes: linalg.kernelMatrixBytes(),
    ffmpegPeakBytes: ffmpegPeak,
    seconds: Number(seconds.toFixed(2)),
  };
}

async function runChild(spec) {
  const { readImage, readVideoMatrix } = await import('@lowrank/io');
  const linalg = await import('@lowrank/linalg');
  const plugins = await loadPlugins();
  // Start linalg's worker threads as the first big product would: a small threaded product.
  const warm = linalg.allocateKernelMatrix(256, 256);
  warm.data.fill(1);
  linalg.matmul(warm, warm);
  linalg.releaseKernelMatrix(warm);
  settle();
  const baseline = rss();
  const backend = linalg.linalgBackend();
  if (spec.kind === 'baseline') {
    return { case: 'baseline', baselineBytes: baseline, backend: backend.name, threads: backend.threads };
  }
  if (spec.kind === 'decode') return measureDecode(spec, linalg, readVideoMatrix, baseline);
  const plugin = plugins[spec.method];
  const matrix =
    spec.kind === 'video'
      ? await videoAtKernelBottom(spec, linalg, readVideoMatrix)
      : (await readImage(spec.source, { mode: 'gray' })).matrix;
  const inputBytes = matrix.data.byteLength;
  settle();
  await new Promise((done) => setTimeout(done, 50));
  settle();
  const before = rss();
  const kernelBefore = kernelResidentBytes();
  const shape = {
    rows: matrix.rows,
    cols: matrix.cols,
    ...(matrix.channels === undefined ? {} : { channels: matrix.channels }),
  };
  const minDimension = Math.min(matrix.rows, matrix.cols);
  const options = {
    ...(spec.rank === undefined ? {} : { rank: spec.rank === 'full' ? minDimension : spec.rank }),
    ...(spec.options ?? {}),
  };
  const estimate = plugin.estimateWorkingBytes?.(shape, options);
  const peakReset = resetPeak();
  const started = performance.now();
  // LOWRANK_MEMORY_TRACE=1: each progress report with the RSS and the peak so far, on stderr.
  const trace = process.env.LOWRANK_MEMORY_TRACE
    ? {
        onProgress: (p) =>
          process.stderr.write(
            `${JSON.stringify({ t: Number(((performance.now() - started) / 1000).toFixed(2)), iteration: p.iteration, rank: p.rank, message: p.message, rssMB: Math.round((rss() - before) / 1e6), peakMB: Math.round((peakRss() - before) / 1e6) })}\n`,
          ),
      }
    : {};
  const result = await plugin.factorize(matrix, options, trace);
  const seconds = (performance.now() - started) / 1000;
  const peak = peakRss();
  const measured = peak - before;
  const after = rss();
  const kernelAfter = kernelResidentBytes();
  const keep = [result, matrix];
  return {
    case: spec.name,
    method: spec.method,
    rows: shape.rows,
    cols: shape.cols,
    ...(shape.channels === undefined ? {} : { channels: shape.channels }),
    options,
    inputBytes,
    baselineBytes: baseline,
    rssBeforeFactorize: before,
    peakRssDuringFactorize: peak,
    rssAfterFactorize: after,
    peakReset,
    measuredBytes: measured,
    // Resident pages of linalg's shared WebAssembly memory (it never shrinks: its growth is its peak).
    kernelGrowthBytes: kernelAfter - kernelBefore,
    estimateBytes: estimate ?? null,
    estimateOverMeasured: estimate === undefined ? null : Number((estimate / measured).toFixed(3)),
    measuredOverInput: Number((measured / inputBytes).toFixed(3)),
    seconds: Number(seconds.toFixed(2)),
    iterations: result.diagnostics.iterations,
    kept: keep.length,
  };
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const record = await runChild(JSON.parse(argv[1]));
  process.stdout.write(`${JSON.stringify(record)}\n`);
  process.exit(0);
} else {
  await runParent(argv);
}
