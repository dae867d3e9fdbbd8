import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, throwIfAborted } from '@lowrank/core';
import {
  type BenchCase,
  type BenchContext,
  type BenchRecord,
  type BenchSuite,
  median,
} from '@lowrank/core/bench';
import { readImage, writeImage } from '@lowrank/io';
import { compressImageFile } from '@lowrank/pipelines';
import { GNU_TIME, runUnderGnuTime } from './gnu-time.js';

/**
 * Issue 17's acceptance: the whole `lowrank compress` command on a phone-size photo (6000 x 4000,
 * made here from astronaut.png upscaled with mild noise, never stored) at --rank 50, against
 * scikit-learn's randomized_svd alone on the same picture, interleaved in one run. Goal: within
 * 1x (required: 2x), peak RSS under 1.5 GB.
 *
 * What each side's time covers: ours is the wall time of the whole process (start-up, decoding
 * the JPEG, the factorization, PSNR/SSIM/relative error at full size, the JSON); scikit-learn's is
 * the randomized_svd call alone (rank 50, n_oversamples 10, n_iter 'auto' = 7, float64) on the
 * matrix reference.py decoded with ffmpeg beforehand; its decoding and error are not timed.
 *
 * Accuracy on one matrix: ffmpeg's gray of a JPEG is its Y plane, not the BT.601 luma of the RGB
 * that we read, so the two errors above are of different matrices. The case also writes our gray
 * as an 8-bit PNG, which both sides then read identically, and compares the rank-50 errors
 * ||A - U S V^T||_F / ||A||_F there (ours from the singular values: exact for a projection).
 */
const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const WIDTH = 6000;
const HEIGHT = 4000;
const RANK = 50;
const RSS_LIMIT_BYTES = 1.5 * 2 ** 30;

/** A 6000 x 4000 JPEG from a real photo: upscaled (sharp's Lanczos) plus Gaussian noise of sigma 3/255. */
export async function makeBigPhoto(
  source: string,
  file: string,
  width = WIDTH,
  height = HEIGHT,
): Promise<void> {
  const image = await readImage(source, { mode: 'rgb', size: { width, height } });
  const rng = createRng(17);
  for (const plane of image.channels)
    for (let i = 0; i < plane.data.length; i++) plane.data[i]! += (3 / 255) * rng.normal();
  await writeImage(image.channels, file, { quality: 92 });
}

/** Runs the CLI under GNU time: wall seconds, peak RSS and the command's JSON. */
async function timedCompress(
  photo: string,
  signal?: AbortSignal,
): Promise<{ seconds: number; peakRssBytes: number; result: Record<string, unknown> }> {
  const run = await runUnderGnuTime(
    process.execPath,
    [BIN, 'compress', photo, '--rank', String(RANK), '--json'],
    signal,
  );
  return {
    seconds: run.wall,
    peakRssBytes: run.peakRssBytes,
    result: JSON.parse(run.stdout) as Record<string, unknown>,
  };
}

const bigPhotoCompress: BenchCase = {
  name: 'compress-6000x4000-rank50-full',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const source = ctx.dataPath('images/astronaut.png');
    if (!existsSync(source)) {
      ctx.log(`${source} is missing; the big-photo case is skipped.`);
      return [];
    }
    if (!existsSync(GNU_TIME)) {
      ctx.log(`${GNU_TIME} is missing (Debian package "time"); the big-photo case needs it for peak RSS.`);
      return [];
    }
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-big-photo-'));
    try {
      const photo = join(dir, 'photo-6000x4000.jpg');
      await makeBigPhoto(source, photo);
      const ours: { seconds: number; peakRssBytes: number; result: Record<string, unknown> }[] = [];
      const reference: { seconds: number; relativeError: number }[] = [];
      const loads: number[] = [];
      // Interleaved, so both sides see the same load.
      for (let i = 0; i < Math.max(1, ctx.repeat); i++) {
        throwIfAborted(ctx.signal);
        loads.push(Number(loadavg()[0]!.toFixed(2)));
        ours.push(await timedCompress(photo, ctx.signal));
        const ref = await ctx.reference(['rsvd', photo, '--rank', String(RANK), '--repeat', '1']);
        if (ref)
          reference.push({ seconds: ref.seconds as number, relativeError: ref.relative_error as number });
        const last = ours[ours.length - 1]!;
        ctx.log(
          `run ${i + 1} (load ${loads[i]}): lowrank compress ${last.seconds.toFixed(2)} s (factorization ${(last.result.seconds as number).toFixed(2)} s), peak RSS ${(last.peakRssBytes / 2 ** 20).toFixed(0)} MiB; randomized_svd ${ref ? `${(ref.seconds as number).toFixed(2)} s` : 'unavailable'}`,
        );
      }
      const sameMatrix = await sameMatrixErrors(photo, join(dir, 'photo-6000x4000-gray.png'), ctx);
      const seconds = median(ours.map((o) => o.seconds));
      const peakRssBytes = Math.max(...ours.map((o) => o.peakRssBytes));
      const referenceSeconds = reference.length ? median(reference.map((r) => r.seconds)) : undefined;
      const ratios = reference.map((r, i) => ours[i]!.seconds / r.seconds);
      const result = ours[0]!.result;
      return [
        {
          case: 'cli-compress-6000x4000-rank50',
          seconds,
          runs: ours.map((o) => o.seconds),
          factorizationRuns: ours.map((o) => o.result.seconds as number),
          loadAverages: loads,
          ...(referenceSeconds === undefined
            ? {}
            : {
                referenceSeconds,
                referenceRuns: reference.map((r) => r.seconds),
                ratio: seconds / referenceSeconds,
                runRatios: ratios,
                within2x: seconds <= 2 * referenceSeconds,
                referenceRelativeError: reference[0]!.relativeError,
              }),
          relativeError: result.relativeError as number,
          ...(sameMatrix ? { sameMatrix } : {}),
          psnr: result.psnr,
          ssim: result.ssim,
          method: result.method,
          peakRssBytes,
          peakRssUnder1_5GB: peakRssBytes < RSS_LIMIT_BYTES,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Rank-50 relative errors of ours (the CLI's automatic method) and scikit-learn's default
 * randomized_svd on one matrix: our gray of the photo, written as an 8-bit PNG.
 */
async function sameMatrixErrors(
  photo: string,
  png: string,
  ctx: BenchContext,
): Promise<{ input: string; relativeError: number; referenceRelativeError: number } | undefined> {
  const gray = await readImage(photo, { dtype: 'float32' });
  await writeImage(gray.matrix, png, { format: 'png' });
  const job = await compressImageFile(png, { rank: { kind: 'rank', value: RANK } });
  const s = job.singularValues![0]!;
  let kept = 0;
  for (let i = 0; i < RANK; i++) kept += s[i]! ** 2;
  const relativeError = Math.sqrt(Math.max(0, job.squaredNorm - kept) / job.squaredNorm);
  const ref = await ctx.reference(['rsvd', png, '--rank', String(RANK), '--repeat', '1']);
  if (!ref) return undefined;
  ctx.log(
    `same matrix (8-bit gray PNG): relative error ${relativeError.toFixed(6)} (${job.method.meta.name}, ${job.partialSvd ? 'block Krylov depth' : 'power iterations'} ${job.results[0]!.diagnostics.iterations}), scikit-learn ${(ref.relative_error as number).toFixed(6)} (n_iter ${String(ref.n_iter)})`,
  );
  return {
    input: 'our gray of the photo as an 8-bit PNG (read alike by both)',
    relativeError,
    referenceRelativeError: ref.relative_error as number,
  };
}

export const bigPhotoSuite: BenchSuite = { name: 'cli-big-photo', cases: [bigPhotoCompress] };
