/**
 * Runs one job in a fresh process and prints, as one JSON line, what the job estimated it would
 * hold and the process's measured peak RSS: the memory benchmark spawns one of these per case, so
 * that no other case's garbage or kernel memory is counted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressImageFile } from './image-compression.js';
import { type MemoryEstimate, totalBytes } from './memory-budget.js';
import type { RankRule } from './rank-rules.js';
import { separateVideo } from './video-separation.js';

interface ChildJob {
  readonly job: 'compress' | 'separate';
  readonly input: string;
  readonly method: string;
  readonly rank?: number;
  readonly scale?: number;
  readonly count?: number;
  readonly color?: boolean;
}

/**
 * This process's peak RSS. On Linux, VmHWM of its own address space: getrusage's maxRSS also
 * counts the parent's RSS at the fork before exec (a bench parent that made a big photo passes its
 * hundreds of MB on to every child's maxRSS).
 */
function peakRssBytes(): number {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildJob;
const started = performance.now();
const out = mkdtempSync(join(tmpdir(), 'lowrank-peak-'));
try {
  let estimate: MemoryEstimate;
  let method: string;
  let shape: Record<string, number>;
  if (request.job === 'compress') {
    const rank: RankRule | undefined =
      request.rank === undefined ? undefined : { kind: 'rank', value: request.rank };
    const job = await compressImageFile(request.input, {
      method: request.method,
      ...(rank ? { rank } : {}),
      color: request.color ?? false,
      out: join(out, 'reconstruction.png'),
      memoryBudgetBytes: Number.MAX_SAFE_INTEGER,
    });
    estimate = job.memoryEstimate!;
    method = job.method.meta.name;
    shape = { width: job.width, height: job.height, channels: job.planes.length };
  } else {
    const job = await separateVideo(request.input, {
      method: request.method,
      ...(request.rank === undefined ? {} : { rank: request.rank }),
      ...(request.scale === undefined ? {} : { scale: request.scale }),
      ...(request.count === undefined ? {} : { count: request.count }),
      color: request.color ?? false,
      masks: true,
      out: join(out, 'separation'),
      memoryBudgetBytes: Number.MAX_SAFE_INTEGER,
    });
    estimate = job.memoryEstimate!;
    method = job.method.meta.name;
    shape = { frames: job.frames, width: job.width, height: job.height, channels: job.channels };
  }
  process.stdout.write(
    `${JSON.stringify({
      method,
      shape,
      estimate,
      estimateBytes: totalBytes(estimate),
      peakRssBytes: peakRssBytes(),
      seconds: (performance.now() - started) / 1000,
    })}\n`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
// Kernel threads are unref'd, but a finished run need not wait for anything.
process.exit(0);
