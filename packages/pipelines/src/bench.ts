import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbortError, throwIfAborted } from '@lowrank/core';
import type { BenchCase, BenchContext, BenchRecord, BenchSuite } from '@lowrank/core/bench';
import { findFfmpeg, readImage, writeImage } from '@lowrank/io';

/**
 * The memory check, checked: each case runs a whole job (decode, method, masks, outputs written)
 * in a fresh process and compares the job's own estimate with the process's peak RSS. The check is
 * only as good as the estimate: goal at or above the peak and within 25% of it, except where the
 * runtime's baseline is most of the estimate (small inputs).
 */
interface MemoryCase {
  readonly name: string;
  readonly job: 'compress' | 'separate';
  /** Under the shared data folder, or made for the case (see MadeInput). */
  readonly input: string | MadeInput;
  readonly method: string;
  readonly rank?: number;
  readonly scale?: number;
  readonly count?: number;
  readonly color?: boolean;
}

/** Inputs too big to store, made in a temporary folder for the case and removed after it. */
type MadeInput =
  /** A real photo upscaled (sharp's Lanczos) to a phone camera's size, as JPEG. */
  | { readonly kind: 'photo'; readonly from: string; readonly width: number; readonly height: number }
  /** A video played `times` times in a row (ffmpeg's concat demuxer, streams copied). */
  | { readonly kind: 'repeat'; readonly from: string; readonly times: number };

const HIGHWAY = 'video/highway-traffic-320x240.avi';
const PEDESTRIANS = 'video/pedestrians-768x576.avi';
const FALL = 'cdnet-fall/input';
const TRAFFIC = 'cdnet-traffic/input';
const BIG_PHOTO: MadeInput = { kind: 'photo', from: 'images/astronaut.png', width: 6000, height: 4000 };

const separation = (
  name: string,
  input: string | MadeInput,
  method: string,
  more: Partial<MemoryCase> = {},
): MemoryCase => ({ name, job: 'separate', input, method, ...more });

const compression = (
  name: string,
  input: string | MadeInput,
  method: string,
  more: Partial<MemoryCase> = {},
): MemoryCase => ({ name, job: 'compress', input, method, ...more });

export const MEMORY_CASES: readonly MemoryCase[] = [
  compression('camera-svd', 'images/camera.png', 'svd', { rank: 50 }),
  compression('camera-randomized-svd', 'images/camera.png', 'randomized-svd', { rank: 50 }),
  compression('astronaut-colour-svd', 'images/astronaut.png', 'svd', { rank: 50, color: true }),
  compression('coffee-colour-randomized-svd', 'images/coffee.png', 'randomized-svd', {
    rank: 50,
    color: true,
  }),
  // The big-images path: 'auto' takes the leading triplets by randomized SVD on float32 planes.
  compression('photo-6000x4000-auto', BIG_PHOTO, 'auto', { rank: 50 }),
  compression('photo-6000x4000-colour-auto', BIG_PHOTO, 'auto', { rank: 50, color: true }),
  separation('highway-half-rpca', HIGHWAY, 'rpca', { scale: 0.5 }),
  separation('highway-full-rpca', HIGHWAY, 'rpca'),
  separation('highway-full-svd-background', HIGHWAY, 'svd-background'),
  separation('highway-full-randomized-svd', HIGHWAY, 'randomized-svd', { rank: 2 }),
  separation('highway-full-streaming-rpca', HIGHWAY, 'streaming-rpca'),
  separation(
    'highway-ten-times-streaming-rpca',
    { kind: 'repeat', from: HIGHWAY, times: 10 },
    'streaming-rpca',
  ),
  separation('highway-half-colour-rpca', HIGHWAY, 'rpca', { scale: 0.5, color: true }),
  separation('highway-full-colour-svd-background', HIGHWAY, 'svd-background', { color: true }),
  separation('highway-full-colour-streaming-rpca', HIGHWAY, 'streaming-rpca', { color: true }),
  separation('pedestrians-half-rpca', PEDESTRIANS, 'rpca', { scale: 0.5 }),
  separation('pedestrians-full-svd-background', PEDESTRIANS, 'svd-background'),
  separation('pedestrians-full-streaming-rpca', PEDESTRIANS, 'streaming-rpca'),
  separation('cdnet-fall-rpca', FALL, 'rpca'),
  separation('cdnet-fall-colour-rpca', FALL, 'rpca', { color: true }),
  separation('cdnet-fall-colour-svd-background', FALL, 'svd-background', { color: true }),
  separation('cdnet-fall-colour-streaming-rpca', FALL, 'streaming-rpca', { color: true }),
  separation('cdnet-traffic-rpca', TRAFFIC, 'rpca'),
  separation('cdnet-traffic-colour-svd-background', TRAFFIC, 'svd-background', { color: true }),
  separation('cdnet-traffic-colour-streaming-rpca', TRAFFIC, 'streaming-rpca', { color: true }),
];

const CHILD = fileURLToPath(new URL('./peak-memory-child.js', import.meta.url));

function runChild(request: object, signal?: AbortSignal): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      if (code !== 0)
        return reject(new Error(`peak-memory child exited ${code}: ${err.trim().split('\n').pop()}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>);
    });
  });
}

/** Makes a case's input in `dir` from the shared data; undefined when its source is missing. */
async function makeInput(made: MadeInput, ctx: BenchContext, dir: string): Promise<string | undefined> {
  const from = ctx.dataPath(made.from);
  if (!existsSync(from)) return undefined;
  if (made.kind === 'photo') {
    const file = join(dir, `photo-${made.width}x${made.height}.jpg`);
    const image = await readImage(from, { mode: 'rgb', size: { width: made.width, height: made.height } });
    await writeImage(image.channels, file, { quality: 92 });
    return file;
  }
  const list = join(dir, 'list.txt');
  writeFileSync(list, `${`file '${from.replaceAll("'", "'\\''")}'\n`.repeat(made.times)}`);
  const file = join(dir, `repeated-${made.times}.avi`);
  const ffmpeg = (await findFfmpeg()).path;
  await new Promise<void>((done, fail) =>
    execFile(
      ffmpeg,
      ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', file],
      { signal: ctx.signal },
      (error) => (error ? fail(error) : done()),
    ),
  );
  return file;
}

function memoryCase(spec: MemoryCase): BenchCase {
  return {
    name: `memory-estimate-${spec.name}`,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      const temp =
        typeof spec.input === 'string' ? undefined : mkdtempSync(join(tmpdir(), 'lowrank-memory-'));
      try {
        const input =
          typeof spec.input === 'string' ? ctx.dataPath(spec.input) : await makeInput(spec.input, ctx, temp!);
        if (input === undefined || !existsSync(input)) {
          ctx.log(`${spec.name}: its input is missing from the data folder; skipped.`);
          return [];
        }
        throwIfAborted(ctx.signal);
        const { name: _name, input: _input, ...request } = spec;
        const measured = await runChild({ ...request, input }, ctx.signal);
        const estimate = measured.estimateBytes as number;
        const peak = measured.peakRssBytes as number;
        const runtime = (measured.estimate as { runtime: number }).runtime;
        ctx.log(
          `${spec.name}: estimate ${(estimate / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (${((estimate / peak - 1) * 100).toFixed(1)}%)`,
        );
        return [
          {
            case: `memory-estimate-${spec.name}`,
            seconds: measured.seconds as number,
            job: spec.job,
            method: measured.method,
            input:
              typeof spec.input === 'string' ? spec.input : `${spec.input.from} (${describe(spec.input)})`,
            shape: measured.shape,
            estimateBytes: estimate,
            peakRssBytes: peak,
            estimateOverPeak: estimate / peak,
            atOrAbovePeak: estimate >= peak,
            within25Percent: Math.abs(estimate / peak - 1) <= 0.25,
            /** Share of the estimate that is the runtime's baseline (most of it for small inputs). */
            runtimeShare: runtime / estimate,
            estimate: measured.estimate,
          },
        ];
      } finally {
        if (temp) rmSync(temp, { recursive: true, force: true });
      }
    },
  };
}

function describe(made: MadeInput): string {
  return made.kind === 'photo'
    ? `upscaled to ${made.width} x ${made.height}`
    : `${made.times} times in a row`;
}

export const memorySuite: BenchSuite = { name: 'pipelines-memory', cases: MEMORY_CASES.map(memoryCase) };
