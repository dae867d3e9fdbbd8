import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DenseMatrix, InvalidInputError, isVideoMatrix } from '@lowrank/core';
import type { BenchCase, BenchContext, BenchRecord, BenchSuite } from '@lowrank/core/bench';
import { kernelMatrixBytes } from '@lowrank/linalg';
import { ForegroundMaskModel, type MaskImplementation } from './foreground-mask-model.js';
import { foregroundMasks } from './foreground-masks.js';
import { evaluateMasks, type MaskEvaluation } from './mask-evaluation.js';
import { principalComponentPursuit } from './pcp-ialm.js';
import { robustPca } from './rpca.js';
import { StreamingForegroundMasks } from './streaming-foreground-masks.js';
import { openStreamingRpca, streamingRpca } from './streaming-rpca.js';

/**
 * `@lowrank/algorithms-rpca/bench`: PCP (inexact ALM, tolerance 1e-7) on the highway video against
 * `reference.py pcp` (numpy, exact thin SVD through the Gram matrix) on the same matrix, in the
 * same run: numpy, then ours, then numpy again. The machines these run on drift by tens of percent
 * within minutes, so the ratio divides by the mean of the two numpy runs around ours (a drift that
 * is linear in time cancels), and both numpy times are reported. A full-size run takes minutes, so
 * each side runs once (numpy twice) and `repeat` is not used here.
 */
const VIDEO = 'video/highway-traffic-320x240.avi';

function memoryPeakTracker() {
  let peakRss = 0;
  let peakArrayBuffers = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    // WebAssembly (kernel) memory is not in arrayBuffers: add the live kernel matrices.
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers + kernelMatrixBytes());
  };
  sample();
  return { sample, get: () => ({ peakRss, peakArrayBuffers }) };
}

function pcpCase(name: string, scale: number): BenchCase {
  return {
    name,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      const path = ctx.dataPath(VIDEO);
      const matrix = (await ctx.loadMedia(path, { scale })) as DenseMatrix;
      ctx.log(
        `${name}: ${matrix.rows} frames x ${matrix.cols} pixels; load average ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );
      const referenceArgs = ['pcp', path, '--scale', String(scale), '--max-iters', '1000', '--tol', '1e-7'];
      ctx.log(`${name}: numpy first...`);
      const referenceBefore = await ctx.reference(referenceArgs);
      const memory = memoryPeakTracker();
      const loadBefore = loadavg()[0]!;
      const result = await principalComponentPursuit(
        matrix,
        {},
        {
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          onProgress(p) {
            memory.sample();
            if (p.iteration! % 5 === 0)
              ctx.log(
                `  ours: iteration ${p.iteration}, residual ${p.residual!.toExponential(2)}, rank ${p.rank}`,
              );
          },
        },
      );
      const d = result.diagnostics;
      const matrixBytes = matrix.rows * matrix.cols * 8;
      ctx.log(`${name}: ours ${d.seconds.toFixed(1)} s, ${d.iterations} iterations; numpy again...`);
      const reference = await ctx.reference(referenceArgs);
      const secondsOf = (r: Record<string, unknown> | undefined) =>
        typeof r?.seconds === 'number' ? r.seconds : undefined;
      const referenceRuns = [secondsOf(referenceBefore), secondsOf(reference)].filter(
        (x): x is number => x !== undefined,
      );
      const referenceSeconds =
        referenceRuns.length > 0
          ? referenceRuns.reduce((a, b) => a + b, 0) / referenceRuns.length
          : undefined;
      const peaks = memory.get();
      return [
        {
          case: name,
          seconds: d.seconds,
          ...(referenceSeconds === undefined
            ? {}
            : {
                referenceSeconds,
                ratio: d.seconds / referenceSeconds,
                // numpy before and after ours: their spread is the machine's drift during the case.
                referenceSecondsEach: referenceRuns,
              }),
          shape: [matrix.rows, matrix.cols],
          iterations: d.iterations,
          converged: d.converged,
          residual: d.residual,
          rank: result.rank,
          secondsPerIteration: d.seconds / d.iterations,
          phaseSeconds: Object.fromEntries(Object.entries(d.timings).map(([k, v]) => [k, v / 1000])),
          peakArrayBuffersBytes: d.peakArrayBuffersBytes ?? peaks.peakArrayBuffers,
          peakRssBytes: peaks.peakRss,
          matrixCopiesAtPeak: (d.peakArrayBuffersBytes ?? peaks.peakArrayBuffers) / matrixBytes,
          ...(reference
            ? {
                referenceIterations: reference.iterations,
                referenceRank: reference.rank,
                referenceResidual: reference.residual,
                referenceConverged: reference.converged,
              }
            : {}),
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadavg()[0],
        },
      ];
    },
  };
}

/** Frame size of a decoded video matrix. */
function frameSize(video: DenseMatrix): { width: number; height: number } {
  if (!isVideoMatrix(video)) throw new Error('expected a video (frames x pixels)');
  return { width: video.width, height: video.height };
}

/**
 * Separates every row of a decoded video with streaming-rpca: per-push times (ms), the masks when
 * asked (StreamingForegroundMasks with the default rules: what `lowrank separate --masks` writes)
 * with their per-frame times, the largest state the separation reported.
 */
function separateVideo(video: DenseMatrix, withMasks: boolean, signal?: AbortSignal) {
  const { width, height } = frameSize(video);
  const pixels = width * height;
  const separation = openStreamingRpca({ width, height, channels: 1 }, {}, signal ? { signal } : undefined);
  const pushMs: number[] = [];
  // Processor time too: on a shared machine it shows the compute a frame costs on one core, which
  // wall time hides under waits for the processor.
  const pushCpuMs: number[] = [];
  const maskMs: number[] = [];
  const maskCpuMs: number[] = [];
  const masks = withMasks ? new Uint8Array(video.rows * pixels) : undefined;
  const maskModel = withMasks ? new StreamingForegroundMasks({ width, height, channels: 1 }) : undefined;
  const frameOf = (f: number) => video.data.subarray(f * pixels, (f + 1) * pixels);
  let peakStateBytes = 0;
  const take = (outs: ReturnType<typeof separation.push>) => {
    if (!masks || !maskModel) return;
    for (const out of outs) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      maskModel.push(
        separation,
        out,
        frameOf(out.index),
        masks.subarray(out.index * pixels, (out.index + 1) * pixels),
      );
      maskMs.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      maskCpuMs.push((used.user + used.system) / 1000);
    }
  };
  for (let f = 0; f < video.rows; f++) {
    const frame = frameOf(f);
    const cpu = process.cpuUsage();
    const start = performance.now();
    const outs = separation.push(frame);
    pushMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    pushCpuMs.push((used.user + used.system) / 1000);
    peakStateBytes = Math.max(peakStateBytes, separation.diagnostics().stateBytes);
    take(outs);
  }
  take(separation.finish());
  return {
    pushMs,
    pushCpuMs,
    maskMs,
    maskCpuMs,
    masks,
    peakStateBytes,
    diagnostics: separation.diagnostics(),
    width,
    height,
  };
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CDnet labels from a decoded ground-truth folder (values / 255 back to 0, 50, 85, 170, 255). */
function labelsOf(truth: DenseMatrix): Uint8Array {
  const out = new Uint8Array(truth.rows * truth.cols);
  for (let k = 0; k < out.length; k++) out[k] = Math.round(truth.data[k]! * 255);
  return out;
}

/** OpenCV's subtractor on the same input (reference.py bgsub, 5x5 median on its masks), scored. */
async function opencvOnCdnet(ctx: BenchContext, input: string, subtractor: string, labels: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), `lowrank-${subtractor}-`));
  try {
    const run = await ctx.reference([
      'bgsub',
      input,
      '--subtractor',
      subtractor,
      '--median',
      '5',
      '--masks-out',
      dir,
    ]);
    if (!run) return undefined;
    const masks = await ctx.loadMedia(dir);
    const binary = new Uint8Array(masks.rows * masks.cols);
    for (let k = 0; k < binary.length; k++) binary[k] = masks.data[k]! >= 0.5 ? 255 : 0;
    const e = evaluateMasks(binary, labels);
    return {
      fMeasure: e.fMeasure,
      precision: e.precision,
      recall: e.recall,
      subtractorFps: run.subtractor_fps,
      endToEndFps: run.end_to_end_fps,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * streaming-rpca on the two CDnet folders from a cold start (default options, gray frames, the
 * default mask rule), with OpenCV MOG2 and KNN scored on the same frames in the same run.
 */
const streamingCdnetCase: BenchCase = {
  name: 'streaming-rpca-cdnet',
  async run(ctx) {
    const records: BenchRecord[] = [];
    for (const folder of ['cdnet-fall', 'cdnet-traffic']) {
      const input = ctx.dataPath(`${folder}/input`);
      const video = await ctx.loadMedia(input);
      const labels = labelsOf(await ctx.loadMedia(ctx.dataPath(`${folder}/groundtruth`)));
      const ours = separateVideo(video, true, ctx.signal);
      const e = evaluateMasks(ours.masks!, labels);
      const seconds = ours.pushMs.reduce((a, b) => a + b, 0) / 1000;
      const opencv: Record<string, Awaited<ReturnType<typeof opencvOnCdnet>>> = {};
      for (const subtractor of ['mog2', 'knn'])
        opencv[subtractor] = await opencvOnCdnet(ctx, input, subtractor, labels);
      const their = (s: string) =>
        opencv[s] ? `${s.toUpperCase()} ${opencv[s]!.fMeasure.toFixed(3)}` : `${s.toUpperCase()} n/a`;
      ctx.log(
        `streaming-rpca-cdnet: ${folder} F ${e.fMeasure.toFixed(3)} (P ${e.precision.toFixed(3)}, R ${e.recall.toFixed(3)}); OpenCV ${their('mog2')}, ${their('knn')}`,
      );
      records.push({
        case: `streaming-rpca-cdnet-${folder.slice('cdnet-'.length)}`,
        seconds,
        frames: video.rows,
        width: ours.width,
        height: ours.height,
        fMeasure: e.fMeasure,
        precision: e.precision,
        recall: e.recall,
        separateFps: video.rows / seconds,
        maskMsPerFrame: medianOf(ours.maskMs),
        maskCpuMsPerFrame: medianOf(ours.maskCpuMs),
        opencv,
      });
    }
    return records;
  },
};

/** A 1280 x 720 H.264 clip: the highway video scaled up (bicubic), made once per run with ffmpeg. */
function make720pClip(ctx: BenchContext, dir: string, frames: number): string {
  const out = join(dir, 'highway-1280x720.mp4');
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-i',
      ctx.dataPath(VIDEO),
      '-vf',
      'scale=1280:720:flags=bicubic',
      '-frames:v',
      String(frames),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      out,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not make the 1280x720 clip: ${r.stderr}`);
  return out;
}

/**
 * Per-frame separation throughput (decode excluded: frames decoded beforehand) at 320 x 240 (the
 * highway video) and 1280 x 720 (the same scaled up), the peak state, and OpenCV MOG2 / KNN's
 * frames/s on the same files in the same run (their subtractor alone, and end to end with decoding,
 * no masks written). The per-frame time is the median over the pushes after the initialization.
 */
const streamingThroughputCase: BenchCase = {
  name: 'streaming-rpca-throughput',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-streaming-bench-'));
    try {
      const records: BenchRecord[] = [];
      const inputs = [
        { label: '320x240', path: ctx.dataPath(VIDEO), frames: 400 },
        { label: '1280x720', path: make720pClip(ctx, dir, 120), frames: 120 },
      ];
      for (const input of inputs) {
        const video = await ctx.loadMedia(input.path, { frames: input.frames });
        const { width, height } = frameSize(video);
        const runs: number[] = [];
        const cpuRuns: number[] = [];
        let last: ReturnType<typeof separateVideo> | undefined;
        const opencv: Record<string, { subtractorFps: number[]; endToEndFps: number[] }> = {
          knn: { subtractorFps: [], endToEndFps: [] },
          mog2: { subtractorFps: [], endToEndFps: [] },
        };
        // Ours and OpenCV alternate, so that a drift of the machine hits both.
        for (let round = 0; round < Math.max(1, ctx.repeat); round++) {
          last = separateVideo(video, false, ctx.signal);
          const init = streamingRpca.options.initFrames.default as number;
          runs.push(medianOf(last.pushMs.slice(init)));
          cpuRuns.push(medianOf(last.pushCpuMs.slice(init)));
          for (const subtractor of ['knn', 'mog2'] as const) {
            const r = await ctx.reference([
              'bgsub',
              input.path,
              '--subtractor',
              subtractor,
              '--frames',
              String(input.frames),
            ]);
            if (r) {
              opencv[subtractor].subtractorFps.push(r.subtractor_fps as number);
              opencv[subtractor].endToEndFps.push(r.end_to_end_fps as number);
            }
          }
        }
        const msPerFrame = medianOf(runs);
        ctx.log(
          `streaming-rpca-throughput: ${input.label} ${msPerFrame.toFixed(2)} ms per frame (median of ${runs.length} runs)`,
        );
        const knnFps = opencv.knn.subtractorFps.length ? medianOf(opencv.knn.subtractorFps) : undefined;
        records.push({
          case: `streaming-rpca-throughput-${input.label}`,
          seconds: msPerFrame / 1000,
          ...(knnFps ? { referenceSeconds: 1 / knnFps, ratio: msPerFrame / 1000 / (1 / knnFps) } : {}),
          referenceWhat: 'OpenCV KNN subtractor alone, seconds per frame',
          frames: video.rows,
          width,
          height,
          msPerFrame,
          msPerFrameEach: runs,
          cpuMsPerFrame: medianOf(cpuRuns),
          cpuMsPerFrameEach: cpuRuns,
          separateFps: 1000 / msPerFrame,
          initializationMs: last!.pushMs[(streamingRpca.options.initFrames.default as number) - 1],
          peakStateBytes: last!.peakStateBytes,
          estimateBytes: streamingRpca.estimateWorkingBytes!({ width, height, channels: 1 }),
          rank: last!.diagnostics.rank,
          opencv: Object.fromEntries(
            Object.entries(opencv).map(([k, v]) => [
              k,
              v.subtractorFps.length
                ? { subtractorFps: medianOf(v.subtractorFps), endToEndFps: medianOf(v.endToEndFps) }
                : undefined,
            ]),
          ),
          loadAverage: loadavg()[0],
        });
      }
      return records;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The end-to-end script (bench/streaming-separate.mjs), present in a checkout, not in the package. */
const END_TO_END_SCRIPT = fileURLToPath(new URL('../bench/streaming-separate.mjs', import.meta.url));

function runScript(args: readonly string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [END_TO_END_SCRIPT, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`streaming-separate.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/**
 * End to end on the highway video: ffmpeg decode + separate + masks written as PNG, against
 * `reference.py bgsub --subtractor knn --masks-out` (alternating), and peak RSS for the video and
 * for it ten times over (7480 frames): constant memory means the two stay within 10%.
 */
const streamingEndToEndCase: BenchCase = {
  name: 'streaming-rpca-end-to-end',
  async run(ctx) {
    if (!existsSync(END_TO_END_SCRIPT)) {
      ctx.log('streaming-rpca-end-to-end: skipped (bench/streaming-separate.mjs is in a checkout only)');
      return [];
    }
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-streaming-e2e-'));
    try {
      const video = ctx.dataPath(VIDEO);
      const rounds = String(Math.max(2, ctx.repeat));
      const once = runScript([
        video,
        '--masks-out',
        join(dir, 'once'),
        '--opencv',
        'knn',
        '--rounds',
        rounds,
      ]);
      const tenTimes = runScript([video, '--masks-out', join(dir, 'ten'), '--concat', '10']);
      // The separation alone (no mask rule, nothing written): the memory this package decides.
      const bareOnce = runScript([video, '--no-masks']).ours as Record<string, number>;
      const bareTen = runScript([video, '--no-masks', '--concat', '10']).ours as Record<string, number>;
      const ours = once.ours as Record<string, number>;
      const knn = (once.opencv as Record<string, Record<string, number>>).knn;
      const longer = tenTimes.ours as Record<string, number>;
      ctx.log(
        `streaming-rpca-end-to-end: ${ours.endToEndFps!.toFixed(0)} frames/s, KNN ${knn?.end_to_end_fps?.toFixed(0)}; peak RSS ${(ours.peakRssBytes! / 1e6).toFixed(0)} MB once, ${(longer.peakRssBytes! / 1e6).toFixed(0)} MB ten times`,
      );
      return [
        {
          case: 'streaming-rpca-end-to-end-highway',
          seconds: ours.seconds!,
          // KNN's time for the same frames at its median frames/s (its rounds alternate with ours).
          ...(knn?.end_to_end_fps
            ? {
                referenceSeconds: ours.frames! / knn.end_to_end_fps,
                ratio: ours.seconds! / (ours.frames! / knn.end_to_end_fps),
              }
            : {}),
          referenceWhat: 'OpenCV KNN end to end (decode, subtract, 5x5 median, masks written as PNG)',
          frames: ours.frames,
          endToEndFps: ours.endToEndFps,
          knnEndToEndFps: knn?.end_to_end_fps,
          fpsRatioToKnn: knn?.end_to_end_fps ? ours.endToEndFps! / knn.end_to_end_fps : undefined,
          separateMsPerFrame: ours.separateMsPerFrame,
          maskMsPerFrame: ours.maskMsPerFrame,
          peakRssBytes: ours.peakRssBytes,
          peakRssBytesTenTimes: longer.peakRssBytes,
          framesTenTimes: longer.frames,
          peakRssRatioTenTimes: longer.peakRssBytes! / ours.peakRssBytes!,
          separationOnlyPeakRssBytes: bareOnce.peakRssBytes,
          separationOnlyPeakRssBytesTenTimes: bareTen.peakRssBytes,
          separationOnlyPeakRssRatioTenTimes: bareTen.peakRssBytes! / bareOnce.peakRssBytes!,
          rssTraceTenTimesMb: longer.rssTraceMb,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** CDnet labels (0, 50, 85, 170, 255) or binary masks from a decoded gray folder (values / 255). */
function bytesOf(video: DenseMatrix): Uint8Array {
  return Uint8Array.from(video.data, (v) => Math.round(v * 255));
}

function scoreOf(e: MaskEvaluation) {
  return { fMeasure: e.fMeasure, precision: e.precision, recall: e.recall };
}

/**
 * Mask quality on a CDnet folder (gray frames, the CDnet convention): batch rpca with the default
 * mask rules against OpenCV's MOG2 and KNN (`reference.py bgsub --median 5 --masks-out DIR`, the
 * masks then scored by the same evaluateMasks), in one run.
 */
function cdnetMaskCase(folder: string): BenchCase {
  const name = `masks-${folder}`;
  return {
    name,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      const inputDir = ctx.dataPath(`${folder}/input`);
      const video = await ctx.loadMedia(inputDir);
      const truthVideo = await ctx.loadMedia(ctx.dataPath(`${folder}/groundtruth`));
      if (truthVideo.rows !== video.rows || truthVideo.cols !== video.cols) {
        throw new InvalidInputError(
          `${folder}: ${truthVideo.rows} ground-truth frames of ${truthVideo.cols} pixels for ${video.rows} input frames of ${video.cols}.`,
        );
      }
      const truth = bytesOf(truthVideo);
      ctx.log(`${name}: ${video.rows} frames x ${video.cols} pixels; robust PCA...`);
      const started = performance.now();
      // The rpca plugin's own route (as `lowrank separate --method rpca` takes it).
      const result = await robustPca(video, {}, ctx.signal ? { signal: ctx.signal } : {});
      const factorizeSeconds = (performance.now() - started) / 1000;
      const maskStart = performance.now();
      const masks = foregroundMasks(result);
      const maskSeconds = (performance.now() - maskStart) / 1000;
      const ours = evaluateMasks(masks, truth);
      ctx.log(`${name}: ours F ${ours.fMeasure.toFixed(3)}; OpenCV MOG2 and KNN...`);
      const scores: string[] = [];
      const reference: Record<string, unknown> = {};
      for (const subtractor of ['mog2', 'knn'] as const) {
        const dir = await mkdtemp(join(tmpdir(), `lowrank-bgsub-${subtractor}-`));
        try {
          const run = await ctx.reference([
            'bgsub',
            inputDir,
            '--subtractor',
            subtractor,
            '--median',
            '5',
            '--masks-out',
            dir,
          ]);
          if (run === undefined) continue;
          const theirs = evaluateMasks(bytesOf(await ctx.loadMedia(dir)), truth);
          reference[subtractor] = { ...scoreOf(theirs), seconds: run.seconds, what: run.what };
          scores.push(`${subtractor.toUpperCase()} ${theirs.fMeasure.toFixed(3)}`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      ctx.log(
        `${name}: ours F ${ours.fMeasure.toFixed(3)} (P ${ours.precision.toFixed(3)}, R ${ours.recall.toFixed(3)}); OpenCV ${scores.join(', ') || 'not run'}`,
      );
      return [
        {
          case: name,
          seconds: factorizeSeconds + maskSeconds,
          factorizeSeconds,
          maskSeconds,
          shape: [video.rows, video.cols],
          iterations: result.diagnostics.iterations,
          ...scoreOf(ours),
          ...(Object.keys(reference).length ? { reference } : {}),
        },
      ];
    },
  };
}

/**
 * Per-frame time of the mask model at 320 x 240 (the highway video) and 720 x 480 (CDnet fall),
 * fed as the streaming pipeline feeds it (streaming-rpca's deviation from its background and its
 * noise levels, captured once), median wall and processor time per frame over the pushes; the
 * fused path ('fused', what push() runs) and the step-by-step code ('steps') alternate round by
 * round, and must give the same masks.
 */
const maskThroughputCase: BenchCase = {
  name: 'masks-throughput',
  async run(ctx) {
    const records: BenchRecord[] = [];
    const inputs = [
      { label: '320x240', path: ctx.dataPath(VIDEO), frames: 300 },
      { label: '720x480', path: ctx.dataPath('cdnet-fall/input'), frames: 101 },
    ];
    for (const input of inputs) {
      const video = await ctx.loadMedia(input.path, { frames: input.frames });
      const { width, height } = frameSize(video);
      const pixels = width * height;
      // What StreamingForegroundMasks gives the model: each frame's deviation and noise levels.
      const separation = openStreamingRpca({ width, height, channels: 1 });
      const deviations: Float32Array[] = [];
      const noises: Float32Array[] = [];
      const capture = (outs: ReturnType<typeof separation.push>) => {
        for (const out of outs) {
          const background = separation.background();
          const frame = video.data.subarray(out.index * pixels, (out.index + 1) * pixels);
          deviations[out.index] = Float32Array.from(frame, (v, k) => v - background[k]!);
          noises[out.index] = Float32Array.from(separation.noiseLevel());
        }
      };
      for (let f = 0; f < video.rows; f++)
        capture(separation.push(video.data.subarray(f * pixels, (f + 1) * pixels)));
      capture(separation.finish());
      const timing: Record<MaskImplementation, { ms: number[]; cpuMs: number[] }> = {
        fused: { ms: [], cpuMs: [] },
        steps: { ms: [], cpuMs: [] },
      };
      const outputs: Record<MaskImplementation, Uint8Array> = {
        fused: new Uint8Array(video.rows * pixels),
        steps: new Uint8Array(video.rows * pixels),
      };
      for (let round = 0; round < Math.max(2, ctx.repeat); round++) {
        for (const implementation of ['fused', 'steps'] as const) {
          const model = new ForegroundMaskModel({ width, height }, {}, implementation);
          const { ms, cpuMs } = timing[implementation];
          for (let f = 0; f < video.rows; f++) {
            ctx.signal?.throwIfAborted();
            const cpu = process.cpuUsage();
            const start = performance.now();
            model.raiseNoiseLevels(noises[f]!);
            model.push(
              deviations[f]!,
              undefined,
              outputs[implementation].subarray(f * pixels, (f + 1) * pixels),
            );
            ms.push(performance.now() - start);
            const used = process.cpuUsage(cpu);
            cpuMs.push((used.user + used.system) / 1000);
          }
        }
      }
      let differ = 0;
      for (let k = 0; k < outputs.fused.length; k++) if (outputs.fused[k] !== outputs.steps[k]) differ++;
      const fused = medianOf(timing.fused.ms);
      const steps = medianOf(timing.steps.ms);
      ctx.log(
        `masks-throughput: ${input.label} ${fused.toFixed(2)} ms a frame (processor ${medianOf(timing.fused.cpuMs).toFixed(2)} ms), step code ${steps.toFixed(2)} ms; ${differ} mask pixels differ`,
      );
      records.push({
        case: `masks-throughput-${input.label}`,
        seconds: fused / 1000,
        referenceSeconds: steps / 1000,
        ratio: fused / steps,
        referenceWhat: 'the same model, step-by-step code (implementation "steps"), same frames, alternating',
        frames: video.rows,
        width,
        height,
        msPerFrame: fused,
        cpuMsPerFrame: medianOf(timing.fused.cpuMs),
        stepsMsPerFrame: steps,
        stepsCpuMsPerFrame: medianOf(timing.steps.cpuMs),
        maskPixelsThatDiffer: differ,
        loadAverage: loadavg()[0],
      });
    }
    return records;
  },
};

export const rpcaBenchSuite: BenchSuite = {
  name: 'algorithms-rpca',
  cases: [
    pcpCase('pcp-highway-half', 0.5),
    pcpCase('pcp-highway-full', 1),
    cdnetMaskCase('cdnet-fall'),
    cdnetMaskCase('cdnet-traffic'),
    streamingCdnetCase,
    maskThroughputCase,
    streamingThroughputCase,
    streamingEndToEndCase,
  ],
};

export default rpcaBenchSuite;
