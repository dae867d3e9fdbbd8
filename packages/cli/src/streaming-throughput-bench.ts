import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwIfAborted } from '@lowrank/core';
import {
  type BenchCase,
  type BenchContext,
  type BenchRecord,
  type BenchSuite,
  median,
} from '@lowrank/core/bench';
import { findFfmpeg } from '@lowrank/io';
import { PYTHON } from './bench-context.js';
import { benchDir } from './data-folders.js';
import { GNU_TIME, runUnderGnuTime } from './gnu-time.js';

/**
 * Issue 15's throughput acceptance, end to end and process against process: `lowrank separate VIDEO
 * --method streaming-rpca --masks-only` (decode, separate, masks written as PNG, summary.json)
 * against `reference.py bgsub VIDEO --subtractor knn --median 5 --masks-out DIR` (decode, KNN, 5x5
 * median, masks written as PNG), alternating round by round, each a fresh process under GNU time
 * (wall and processor seconds of the whole process and its children: ffmpeg, Python's start and
 * imports included). Frames per second are frames over wall seconds; the record also gives each
 * side's own figure (our summary's frames over its seconds, reference.py's end_to_end_fps), which
 * leave the process start out. Goal: at least half of KNN's frames/s, at best equal; 25 frames/s
 * on the 1280 x 720 clip (the highway video scaled up, H.264, made here).
 */
const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const HIGHWAY = 'video/highway-traffic-320x240.avi';

/** The highway video scaled to width x height (bicubic), `frames` frames, H.264 (x264 veryfast, crf 18). */
async function scaledClip(
  ctx: BenchContext,
  dir: string,
  width: number,
  height: number,
  frames: number,
): Promise<string> {
  const out = join(dir, `highway-${width}x${height}.mp4`);
  const ffmpeg = (await findFfmpeg()).path;
  const args = [
    '-v',
    'error',
    '-y',
    '-i',
    ctx.dataPath(HIGHWAY),
    '-vf',
    `scale=${width}:${height}:flags=bicubic`,
  ];
  args.push('-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18');
  args.push('-pix_fmt', 'yuv420p', out);
  await new Promise<void>((done, fail) =>
    execFile(ffmpeg, args, ctx.signal ? { signal: ctx.signal } : {}, (error) =>
      error ? fail(error) : done(),
    ),
  );
  return out;
}

interface Side {
  fps: number[];
  wall: number[];
  cpu: number[];
  ownFps: number[];
}

/** Ours and KNN on one input, alternating for `rounds` rounds. */
async function endToEnd(
  ctx: BenchContext,
  input: string,
  label: string,
  dir: string,
): Promise<BenchRecord | undefined> {
  const reference = join(benchDir(process.env), 'reference.py');
  const knnRuns = existsSync(reference) && existsSync(PYTHON);
  if (!knnRuns) ctx.log(`${reference} or ${PYTHON} is missing: ${label} runs without KNN beside it.`);
  const ours: Side = { fps: [], wall: [], cpu: [], ownFps: [] };
  const knn: Side = { fps: [], wall: [], cpu: [], ownFps: [] };
  let frames = 0;
  for (let round = 0; round < Math.max(1, ctx.repeat); round++) {
    throwIfAborted(ctx.signal);
    const out = join(dir, `ours-${round}`);
    const run = await runUnderGnuTime(
      process.execPath,
      [BIN, 'separate', input, '--method', 'streaming-rpca', '--masks-only', '--out', out, '--json'],
      ctx.signal,
    );
    const summary = JSON.parse(run.stdout) as { frames: number; seconds: number };
    frames = readdirSync(join(out, 'masks')).length;
    ours.fps.push(frames / run.wall);
    ours.wall.push(run.wall);
    ours.cpu.push(run.cpu);
    ours.ownFps.push(summary.frames / summary.seconds);
    rmSync(out, { recursive: true, force: true });
    if (!knnRuns) continue;
    const masks = join(dir, `knn-${round}`);
    const theirs = await runUnderGnuTime(
      PYTHON,
      [reference, 'bgsub', input, '--subtractor', 'knn', '--median', '5', '--masks-out', masks],
      ctx.signal,
    );
    const report = JSON.parse(theirs.stdout) as { end_to_end_fps: number };
    const written = readdirSync(masks).length;
    knn.fps.push(written / theirs.wall);
    knn.wall.push(theirs.wall);
    knn.cpu.push(theirs.cpu);
    knn.ownFps.push(report.end_to_end_fps);
    rmSync(masks, { recursive: true, force: true });
  }
  const fps = median(ours.fps);
  const knnFps = knnRuns ? median(knn.fps) : undefined;
  ctx.log(
    `${label}: ${fps.toFixed(1)} frames/s end to end${knnFps ? `, OpenCV KNN ${knnFps.toFixed(1)} (ratio ${(fps / knnFps).toFixed(2)})` : ''}`,
  );
  const summary = (side: Side) => ({
    fps: median(side.fps),
    wallSeconds: median(side.wall),
    cpuMsPerFrame: (1000 * median(side.cpu)) / frames,
    ownFps: median(side.ownFps),
    fpsEach: side.fps,
  });
  return {
    case: label,
    seconds: median(ours.wall),
    ...(knnFps ? { referenceSeconds: median(knn.wall), ratio: median(ours.wall) / median(knn.wall) } : {}),
    referenceWhat:
      'reference.py bgsub --subtractor knn --median 5 --masks-out DIR (OpenCV KNN, decode to PNG masks), wall seconds of the process',
    command:
      'lowrank separate VIDEO --method streaming-rpca --masks-only --out DIR --json (wall seconds of the process)',
    frames,
    fps,
    ...(knnFps ? { knnFps, fpsRatioToKnn: fps / knnFps, atLeastHalfOfKnn: fps >= knnFps / 2 } : {}),
    ours: summary(ours),
    ...(knnRuns ? { knn: summary(knn) } : {}),
    rounds: Math.max(1, ctx.repeat),
    loadAverage: loadavg()[0],
  };
}

function endToEndCase(name: string, clip?: { width: number; height: number; frames: number }): BenchCase {
  return {
    name,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      const video = ctx.dataPath(HIGHWAY);
      if (!existsSync(video)) {
        ctx.log(`${video} is missing; ${name} is skipped.`);
        return [];
      }
      if (!existsSync(GNU_TIME)) {
        ctx.log(`${GNU_TIME} is missing (Debian package "time"); ${name} needs it.`);
        return [];
      }
      const dir = mkdtempSync(join(tmpdir(), 'lowrank-streaming-throughput-'));
      try {
        const input = clip ? await scaledClip(ctx, dir, clip.width, clip.height, clip.frames) : video;
        const record = await endToEnd(ctx, input, name, dir);
        if (!record) return [];
        return [
          clip
            ? { ...record, width: clip.width, height: clip.height, realTime: (record.fps as number) >= 25 }
            : { ...record, width: 320, height: 240 },
        ];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const streamingThroughputSuite: BenchSuite = {
  name: 'cli-streaming-throughput',
  cases: [
    endToEndCase('separate-streaming-rpca-highway-end-to-end'),
    // Ten seconds at 25 frames/s.
    endToEndCase('separate-streaming-rpca-1280x720-end-to-end', { width: 1280, height: 720, frames: 250 }),
  ],
};
