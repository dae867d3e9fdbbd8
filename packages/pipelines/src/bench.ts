import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AbortError, throwIfAborted } from '@lowrank/core';
import type { BenchCase, BenchContext, BenchRecord, BenchSuite } from '@lowrank/core/bench';

/**
 * The memory check, checked: each case runs a whole job (decode, method, outputs written) in a fresh
 * process and compares the job's own estimate with the process's peak RSS. The check is only as
 * good as the estimate: goal within 25% of the peak, erring high.
 */
interface MemoryCase {
  readonly name: string;
  readonly job: 'compress' | 'separate';
  /** Under the shared data folder. */
  readonly input: string;
  readonly method: string;
  readonly rank?: number;
  readonly scale?: number;
  readonly count?: number;
  readonly color?: boolean;
}

const CASES: readonly MemoryCase[] = [
  { name: 'camera-svd', job: 'compress', input: 'images/camera.png', method: 'svd', rank: 50 },
  {
    name: 'astronaut-colour-svd',
    job: 'compress',
    input: 'images/astronaut.png',
    method: 'svd',
    rank: 50,
    color: true,
  },
  {
    name: 'camera-randomized-svd',
    job: 'compress',
    input: 'images/camera.png',
    method: 'randomized-svd',
    rank: 50,
  },
  {
    name: 'highway-half-rpca',
    job: 'separate',
    input: 'video/highway-traffic-320x240.avi',
    method: 'rpca',
    scale: 0.5,
  },
  { name: 'highway-full-rpca', job: 'separate', input: 'video/highway-traffic-320x240.avi', method: 'rpca' },
  {
    name: 'highway-full-svd-background',
    job: 'separate',
    input: 'video/highway-traffic-320x240.avi',
    method: 'svd-background',
  },
  {
    name: 'highway-full-randomized-svd',
    job: 'separate',
    input: 'video/highway-traffic-320x240.avi',
    method: 'randomized-svd',
    rank: 2,
  },
  {
    name: 'pedestrians-half-rpca',
    job: 'separate',
    input: 'video/pedestrians-768x576.avi',
    method: 'rpca',
    scale: 0.5,
  },
  { name: 'cdnet-fall-rpca-colour', job: 'separate', input: 'cdnet-fall/input', method: 'rpca', color: true },
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

function memoryCase(spec: MemoryCase): BenchCase {
  return {
    name: `memory-estimate-${spec.name}`,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      const input = ctx.dataPath(spec.input);
      if (!existsSync(input)) {
        ctx.log(`${input} is missing; memory case ${spec.name} skipped.`);
        return [];
      }
      throwIfAborted(ctx.signal);
      const { name: _name, ...request } = spec;
      const measured = await runChild({ ...request, input }, ctx.signal);
      const estimate = measured.estimateBytes as number;
      const peak = measured.peakRssBytes as number;
      ctx.log(
        `${spec.name}: estimate ${(estimate / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (${((estimate / peak - 1) * 100).toFixed(1)}%)`,
      );
      return [
        {
          case: `memory-estimate-${spec.name}`,
          seconds: measured.seconds as number,
          estimateBytes: estimate,
          peakRssBytes: peak,
          estimateOverPeak: estimate / peak,
          within25Percent: Math.abs(estimate / peak - 1) <= 0.25,
          estimate: measured.estimate,
        },
      ];
    },
  };
}

export const memorySuite: BenchSuite = { name: 'pipelines-memory', cases: CASES.map(memoryCase) };
