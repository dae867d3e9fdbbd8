import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbortError, createRng, throwIfAborted } from '@lowrank/core';
import {
  type BenchCase,
  type BenchContext,
  type BenchRecord,
  type BenchSuite,
  median,
} from '@lowrank/core/bench';
import { readImage, writeImage } from '@lowrank/io';

/**
 * Issue 17's acceptance: the whole `lowrank compress` command on a phone-size photo (6000 x 4000,
 * made here from astronaut.png upscaled with mild noise, never stored) at --rank 50, against
 * scikit-learn's randomized_svd alone on the same picture, interleaved in one run. Goal: within
 * 1x (required: 2x), peak RSS under 1.5 GB.
 */
const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';
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
function timedCompress(
  photo: string,
  signal?: AbortSignal,
): Promise<{ seconds: number; peakRssBytes: number; result: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      GNU_TIME,
      [
        '-f',
        'LOWRANK_PEAK_KB=%M',
        process.execPath,
        BIN,
        'compress',
        photo,
        '--rank',
        String(RANK),
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new AbortError());
      const seconds = (performance.now() - started) / 1000;
      const peak = /LOWRANK_PEAK_KB=(\d+)/.exec(err);
      if (code !== 0 || !peak)
        return reject(new Error(`lowrank compress exited ${code}: ${err.trim().split('\n').pop()}`));
      resolve({
        seconds,
        peakRssBytes: Number(peak[1]) * 1024,
        result: JSON.parse(out) as Record<string, unknown>,
      });
    });
  });
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
      // Interleaved, so both sides see the same load.
      for (let i = 0; i < Math.max(1, ctx.repeat); i++) {
        throwIfAborted(ctx.signal);
        ours.push(await timedCompress(photo, ctx.signal));
        const ref = await ctx.reference(['rsvd', photo, '--rank', String(RANK), '--repeat', '1']);
        if (ref)
          reference.push({ seconds: ref.seconds as number, relativeError: ref.relative_error as number });
        const last = ours[ours.length - 1]!;
        ctx.log(
          `run ${i + 1}: lowrank compress ${last.seconds.toFixed(2)} s, peak RSS ${(last.peakRssBytes / 2 ** 20).toFixed(0)} MiB; randomized_svd ${ref ? `${(ref.seconds as number).toFixed(2)} s` : 'unavailable'}`,
        );
      }
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

export const bigPhotoSuite: BenchSuite = { name: 'cli-big-photo', cases: [bigPhotoCompress] };
