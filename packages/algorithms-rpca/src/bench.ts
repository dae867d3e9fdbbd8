import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DenseMatrix, InvalidInputError } from '@lowrank/core';
import type { BenchCase, BenchContext, BenchRecord, BenchSuite } from '@lowrank/core/bench';
import { kernelMatrixBytes } from '@lowrank/linalg';
import { foregroundMasks } from './foreground-masks.js';
import { evaluateMasks, type MaskEvaluation } from './mask-evaluation.js';
import { principalComponentPursuit } from './pcp-ialm.js';
import { robustPca } from './rpca.js';

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
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
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

export const rpcaBenchSuite: BenchSuite = {
  name: 'algorithms-rpca',
  cases: [
    pcpCase('pcp-highway-half', 0.5),
    pcpCase('pcp-highway-full', 1),
    cdnetMaskCase('cdnet-fall'),
    cdnetMaskCase('cdnet-traffic'),
  ],
};

export default rpcaBenchSuite;
