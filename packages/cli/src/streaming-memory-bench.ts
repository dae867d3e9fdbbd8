import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwIfAborted } from '@lowrank/core';
import type { BenchCase, BenchContext, BenchRecord, BenchSuite } from '@lowrank/core/bench';
import { findFfmpeg } from '@lowrank/io';
import { GNU_TIME, runUnderGnuTime } from './gnu-time.js';

/**
 * Issue 15's memory acceptance, end to end: `lowrank separate --method streaming-rpca` (masks
 * written) on the highway video and on the same video played ten times in a row (7480 frames, made
 * here with ffmpeg's concat demuxer, never stored), peak RSS of the whole command under GNU time.
 * Goal: within 10% of each other (constant memory), under 400 MB at 320 x 240.
 */
const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const HIGHWAY = 'video/highway-traffic-320x240.avi';
const TIMES = 10;

/** The whole command under GNU time: wall seconds, peak RSS and its JSON summary. */
async function measuredSeparate(
  video: string,
  out: string,
  signal?: AbortSignal,
): Promise<{ seconds: number; peakRssBytes: number; result: Record<string, unknown> }> {
  const run = await runUnderGnuTime(
    process.execPath,
    [BIN, 'separate', video, '--method', 'streaming-rpca', '--masks', '--out', out, '--json'],
    signal,
  );
  return {
    seconds: run.wall,
    peakRssBytes: run.peakRssBytes,
    result: JSON.parse(run.stdout) as Record<string, unknown>,
  };
}

/** `times` plays of `video` in a row, streams copied (ffmpeg's concat demuxer). */
async function repeatVideo(video: string, times: number, dir: string, signal?: AbortSignal): Promise<string> {
  const list = join(dir, 'list.txt');
  writeFileSync(list, `file '${video.replaceAll("'", "'\\''")}'\n`.repeat(times));
  const file = join(dir, `repeated-${times}.avi`);
  const ffmpeg = (await findFfmpeg()).path;
  await new Promise<void>((done, fail) =>
    execFile(
      ffmpeg,
      ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', file],
      signal ? { signal } : {},
      (error) => (error ? fail(error) : done()),
    ),
  );
  return file;
}

const constantMemory: BenchCase = {
  name: 'separate-streaming-rpca-highway-once-and-ten-times',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const video = ctx.dataPath(HIGHWAY);
    if (!existsSync(video)) {
      ctx.log(`${video} is missing; the streaming memory case is skipped.`);
      return [];
    }
    if (!existsSync(GNU_TIME)) {
      ctx.log(`${GNU_TIME} is missing (Debian package "time"); the streaming memory case needs it.`);
      return [];
    }
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-streaming-memory-'));
    try {
      const long = await repeatVideo(video, TIMES, dir, ctx.signal);
      throwIfAborted(ctx.signal);
      const once = await measuredSeparate(video, join(dir, 'once'), ctx.signal);
      const tenTimes = await measuredSeparate(long, join(dir, 'ten-times'), ctx.signal);
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      ctx.log(
        `${once.result.frames} frames: peak RSS ${mib(once.peakRssBytes)} MiB; ${tenTimes.result.frames} frames: ${mib(tenTimes.peakRssBytes)} MiB`,
      );
      const ratio = tenTimes.peakRssBytes / once.peakRssBytes;
      return [
        {
          case: 'cli-separate-streaming-rpca-constant-memory',
          seconds: tenTimes.seconds,
          command: `lowrank separate VIDEO --method streaming-rpca --masks --out DIR --json (under ${GNU_TIME})`,
          frames: [once.result.frames, tenTimes.result.frames],
          runSeconds: [once.seconds, tenTimes.seconds],
          peakRssBytes: [once.peakRssBytes, tenTimes.peakRssBytes],
          tenTimesOverOnce: ratio,
          within10Percent: Math.abs(ratio - 1) <= 0.1,
          under400MB: Math.max(once.peakRssBytes, tenTimes.peakRssBytes) < 400e6,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const streamingMemorySuite: BenchSuite = { name: 'cli-streaming-memory', cases: [constantMemory] };
