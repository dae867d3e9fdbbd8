import { spawn } from 'node:child_process';
import { AbortError } from '@lowrank/core';

/** GNU time (Debian package "time"): the benches' wall, processor and peak-memory figures. */
export const GNU_TIME = '/usr/bin/time';

export interface TimedProcess {
  /** Wall seconds of the whole process. */
  readonly wall: number;
  /** Processor seconds, user + system, its children included. */
  readonly cpu: number;
  /** Peak RSS of the process (GNU time's %M). */
  readonly peakRssBytes: number;
  readonly stdout: string;
}

/**
 * Runs one command under GNU time, to its end (a non-zero exit rejects with the last line of its
 * stderr); the signal stops it (SIGTERM) and rejects with an AbortError.
 */
export function runUnderGnuTime(
  command: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<TimedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', 'LOWRANK_TIME %e %U %S %M', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new AbortError());
      const line = /LOWRANK_TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !line)
        return reject(
          new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').pop()}`),
        );
      resolve({
        wall: Number(line[1]),
        cpu: Number(line[2]) + Number(line[3]),
        peakRssBytes: Number(line[4]) * 1024,
        stdout,
      });
    });
  });
}
