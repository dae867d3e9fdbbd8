import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { AbortError, type DenseMatrix, MediaError } from '@lowrank/core';
import type { BenchContext } from '@lowrank/core/bench';
import { readImage, readVideoMatrix } from '@lowrank/io';
import { isStillImagePath } from '@lowrank/io/formats';
import { allocateCollectedKernelArray } from '@lowrank/linalg';
import { missingDataHint } from './data-folders.js';

export const PYTHON = '/usr/bin/python3';

export interface BenchContextOptions {
  /** The full data set (LOWRANK_DATA): media paths are relative to it. */
  readonly dataDir: string;
  /** The folder holding reference.py (LOWRANK_BENCH). */
  readonly benchDir: string;
  readonly repeat: number;
  readonly signal?: AbortSignal;
  readonly log: (message: string) => void;
  /** Set by --quick: suites may skip their slow full-size cases. */
  readonly quick?: boolean;
}

function runProcess(
  command: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(new AbortError());
      else resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * The BenchContext `lowrank bench` hands to every suite: media decoded with ffmpeg to 8-bit gray
 * / 255 (scale flags=area), exactly as the numpy reference script reference.py decodes them; that
 * reference runs in a child process when python3 + scikit-learn are installed.
 */
export function createBenchContext(options: BenchContextOptions): BenchContext & { readonly quick: boolean } {
  const script = join(options.benchDir, 'reference.py');
  let referenceState: 'unknown' | 'available' | 'missing' = 'unknown';
  const dataPath = (relative: string) => (isAbsolute(relative) ? relative : join(options.dataDir, relative));

  async function checkReference(): Promise<boolean> {
    if (referenceState !== 'unknown') return referenceState === 'available';
    let why = '';
    if (!existsSync(script))
      why = `${script} is missing; set LOWRANK_BENCH to the folder holding reference.py`;
    else if (!existsSync(PYTHON)) why = `${PYTHON} is not installed`;
    else {
      try {
        const info = await runProcess(PYTHON, [script, 'info'], options.signal);
        if (info.code !== 0)
          why = `reference.py info failed (numpy or scikit-learn missing?): ${info.stderr.trim().split('\n').pop()}`;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        why = (error as Error).message;
      }
    }
    referenceState = why ? 'missing' : 'available';
    if (why) options.log(`numpy reference unavailable (${why}); showing our figures alone.`);
    return referenceState === 'available';
  }

  return {
    repeat: options.repeat,
    quick: options.quick ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
    log: options.log,
    dataPath,
    async loadMedia(path, media = {}): Promise<DenseMatrix> {
      const file = dataPath(path);
      let isFolder = false;
      try {
        isFolder = (await stat(file)).isDirectory();
      } catch (error) {
        throw new MediaError(file, 'not found.', {
          hint: missingDataHint(options.dataDir),
          cause: error,
        });
      }
      if (!isFolder && isStillImagePath(file)) {
        // As reference.py decodes it: ffmpeg's area scaling to 8-bit gray, value / 255.
        const image = await readImage(file, {
          mode: 'gray',
          decoder: 'ffmpeg',
          ...(media.scale !== undefined && media.scale !== 1 ? { scale: media.scale } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        return image.matrix;
      }
      const result = await readVideoMatrix(file, {
        mode: 'gray',
        // Decoded straight into the kernel memory: robust PCA's threads read it there, no copy.
        allocate: allocateCollectedKernelArray,
        ...(media.scale !== undefined && media.scale !== 1 ? { scale: media.scale } : {}),
        ...(media.frames !== undefined ? { count: media.frames } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return result.matrix;
    },
    async reference(args) {
      if (!(await checkReference())) return undefined;
      const out = await runProcess(
        PYTHON,
        [
          script,
          ...args.map((a) => (a.startsWith('/') || a.includes('/') ? dataPathIfRelative(a, dataPath) : a)),
        ],
        options.signal,
      );
      if (out.code !== 0) {
        options.log(`reference.py ${args.join(' ')} failed: ${out.stderr.trim().split('\n').pop() ?? ''}`);
        return undefined;
      }
      try {
        return JSON.parse(out.stdout) as Record<string, unknown>;
      } catch {
        options.log(`reference.py ${args.join(' ')} printed no JSON.`);
        return undefined;
      }
    },
  };
}

/** Media arguments may be given relative to the data folder, like loadMedia's paths. */
function dataPathIfRelative(arg: string, dataPath: (relative: string) => string): string {
  if (isAbsolute(arg)) return arg;
  const candidate = dataPath(arg);
  return existsSync(candidate) ? candidate : arg;
}
