// S (the sparse part) of the CDnet folders, computed once with the project's own code and cached as
// Float32 files, so that mask experiments do not re-run robust PCA (minutes on cdnet-fall).
// Used by mask-ablation.mjs; build first (the packages are loaded from dist/).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svdBackgroundFactorizer } from '@lowrank/algorithms-svd';
import { readVideoMatrix } from '@lowrank/io';
import { openStreamingRpca, robustPca } from '../dist/index.js';

/** The shared data folder: LOWRANK_SHARED_DIR/data, else ../shared/data beside the repository. */
export function sharedDataDir() {
  const root =
    process.env.LOWRANK_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared', import.meta.url));
  return join(root, 'data');
}

function writeAtomic(file, bytes) {
  writeFileSync(`${file}.part`, bytes);
  renameSync(`${file}.part`, file);
}

function saveFloat32(file, data, meta) {
  const f32 = Float32Array.from(data);
  writeAtomic(`${file}.json`, JSON.stringify(meta));
  writeAtomic(file, new Uint8Array(f32.buffer));
}

function loadFloat32(file) {
  if (!existsSync(file) || !existsSync(`${file}.json`)) return undefined;
  const meta = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const bytes = readFileSync(file);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { ...meta, data };
}

const log = (message) => process.stderr.write(`${message}\n`);

/** The input frames of one folder (gray or rgb), values in [0, 1], as readVideoMatrix (lowrank separate) decodes them. */
export async function loadFrames(video, mode, cacheDir) {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${video}-${mode}.frames.f32`);
  const cached = loadFloat32(file);
  if (cached) return cached;
  const decoded = await readVideoMatrix(join(sharedDataDir(), video, 'input'), { mode });
  const m = decoded.matrix;
  const meta = {
    frames: m.rows,
    width: m.width,
    height: m.height,
    channels: m.channels,
    names: decoded.names,
  };
  saveFloat32(file, m.data, meta);
  return { ...meta, data: Float32Array.from(m.data) };
}

/** CDnet labels (0, 50, 85, 170, 255) of the frames of loadFrames, matched by frame number. */
export async function loadGroundTruth(video, names, cacheDir) {
  const file = cacheDir ? join(cacheDir, `${video}.groundtruth.u8`) : undefined;
  if (file && existsSync(file)) return new Uint8Array(readFileSync(file));
  const decoded = await readVideoMatrix(join(sharedDataDir(), video, 'groundtruth'), { mode: 'gray' });
  const m = decoded.matrix;
  const pixels = m.width * m.height;
  const rowOf = new Map(decoded.names.map((n, i) => [n.replace(/^gt/, ''), i]));
  const labels = new Uint8Array(names.length * pixels);
  names.forEach((name, f) => {
    const row = rowOf.get(name.replace(/^in/, ''));
    if (row === undefined) throw new Error(`${video}: no ground truth for ${name}`);
    for (let p = 0; p < pixels; p++) labels[f * pixels + p] = Math.round(m.data[row * pixels + p] * 255);
  });
  if (file) writeAtomic(file, labels);
  return labels;
}

/**
 * streaming-rpca (default options, from the first frame) on the cached frames, pushed one at a
 * time as `lowrank separate --method streaming-rpca [--color]` does (colour frames are separated
 * value by value, so S is colour). Per frame: S, the deviation from the separator's background
 * (frame - background(), as StreamingForegroundMasks computes it, in float32) and the separator's
 * noise levels, read right after the push that returned the frame. Cached as three Float32 files.
 */
export async function loadStreamingSplit(video, mode, cacheDir) {
  const stem = join(cacheDir, `${video}-streaming-rpca-${mode}`);
  const parts = ['sparse', 'deviation', 'noise'].map((part) => loadFloat32(`${stem}.${part}.f32`));
  if (parts.every(Boolean))
    return { ...parts[0], sparse: parts[0].data, deviation: parts[1].data, noise: parts[2].data };
  const frames = await loadFrames(video, mode, cacheDir);
  const values = frames.width * frames.height * frames.channels;
  log(`${video} streaming-rpca ${mode}: separating ${frames.frames} frames of ${values} values...`);
  const started = performance.now();
  const separation = openStreamingRpca({
    width: frames.width,
    height: frames.height,
    channels: frames.channels,
  });
  const sparse = new Float32Array(frames.frames * values);
  const deviation = new Float32Array(frames.frames * values);
  const noise = new Float32Array(frames.frames * values);
  const take = (outs) => {
    for (const out of outs) {
      const at = out.index * values;
      sparse.set(out.sparse, at);
      const background = separation.background();
      for (let k = 0; k < values; k++) deviation[at + k] = frames.data[at + k] - background[k];
      noise.set(separation.noiseLevel(), at);
    }
  };
  for (let f = 0; f < frames.frames; f++)
    take(separation.push(frames.data.subarray(f * values, (f + 1) * values)));
  take(separation.finish());
  const seconds = (performance.now() - started) / 1000;
  const meta = {
    frames: frames.frames,
    width: frames.width,
    height: frames.height,
    channels: frames.channels,
    method: 'streaming-rpca',
    mode,
    seconds,
  };
  saveFloat32(`${stem}.sparse.f32`, sparse, meta);
  saveFloat32(`${stem}.deviation.f32`, deviation, meta);
  saveFloat32(`${stem}.noise.f32`, noise, meta);
  return { ...meta, sparse, deviation, noise };
}

/**
 * S of `method` ('rpca', 'svd-background' at rank 2 or 'streaming-rpca') on the gray or colour
 * frames, as `lowrank separate --method METHOD [--color]` computes it (rpca on colour input
 * factorizes the luminance, so its S is gray; svd-background and streaming-rpca separate the three
 * channels).
 */
export async function loadSparse(video, method, mode, cacheDir) {
  const file = join(cacheDir, `${video}-${method}-${mode}.sparse.f32`);
  if (method === 'streaming-rpca') {
    const split = await loadStreamingSplit(video, mode, cacheDir);
    return { ...split, data: split.sparse };
  }
  const cached = loadFloat32(file);
  if (cached) return cached;
  const frames = await loadFrames(video, mode, cacheDir);
  const input = {
    rows: frames.frames,
    cols: frames.width * frames.height * frames.channels,
    data: Float64Array.from(frames.data),
    layout: 'frames-by-pixels',
    width: frames.width,
    height: frames.height,
    channels: frames.channels,
  };
  const started = performance.now();
  log(`${video} ${method} ${mode}: factorizing ${input.rows} x ${input.cols}...`);
  const result =
    method === 'rpca'
      ? await robustPca(
          input,
          {},
          {
            onProgress: (p) => {
              if (p.iteration % 10 === 0)
                log(`  iteration ${p.iteration}, residual ${p.residual?.toExponential(2)}`);
            },
          },
        )
      : await svdBackgroundFactorizer.factorize(input, { rank: 2 });
  const seconds = (performance.now() - started) / 1000;
  const s = result.sparse;
  const channels = s.cols / (frames.width * frames.height);
  log(`${video} ${method} ${mode}: ${seconds.toFixed(1)} s, ${result.diagnostics.iterations} iterations`);
  const meta = {
    frames: s.rows,
    width: frames.width,
    height: frames.height,
    channels,
    method,
    mode,
    seconds,
    iterations: result.diagnostics.iterations,
    converged: result.diagnostics.converged,
  };
  saveFloat32(file, s.data, meta);
  return { ...meta, data: Float32Array.from(s.data) };
}
