import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { AbortError, MediaError } from '@lowrank/core';

/**
 * How a file name is given to ffmpeg: as an absolute path behind the `file:` protocol, so names
 * with a leading dash, spaces, quotes, colons or unicode are never read as options or protocols.
 */
export function ffmpegFileArg(file: string): string {
  return `file:${path.resolve(file)}`;
}

/** Extensions ffmpeg's image2 demuxer claims; it would read `%d` in such names as a sequence pattern. */
const IMAGE2_EXTENSIONS = new Set([
  '.bmp',
  '.dpx',
  '.exr',
  '.jpeg',
  '.jpg',
  '.jp2',
  '.j2k',
  '.pam',
  '.pbm',
  '.pcx',
  '.pgm',
  '.png',
  '.ppm',
  '.sgi',
  '.tga',
  '.tif',
  '.tiff',
  '.webp',
  '.xbm',
  '.xwd',
  '.qoi',
  '.hdr',
  '.jxl',
]);

/** `-i file:/abs/path`, with `-pattern_type none` for still-image names so `%` stays literal. */
export function ffmpegInputArgs(file: string): string[] {
  const ext = path.extname(file).toLowerCase();
  return [...(IMAGE2_EXTENSIONS.has(ext) ? ['-pattern_type', 'none'] : []), '-i', ffmpegFileArg(file)];
}

/** Keeps the last `limit` characters of a child's stderr for error messages (and the first `limit`). */
export class StderrTail {
  private text = '';
  private head = '';
  constructor(private readonly limit = 8192) {}
  push(chunk: Buffer | string): void {
    const piece = chunk.toString();
    if (this.head.length < this.limit) this.head += piece.slice(0, this.limit - this.head.length);
    this.text += piece;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  get value(): string {
    return this.text.slice(-this.limit);
  }
  /** The first `limit` characters (where ffmpeg describes its input, however much it logs after). */
  get start(): string {
    return this.head;
  }
  /** The last few meaningful lines, for an error message. */
  lastLines(count = 3): string {
    return this.value
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !/^(frame|size|progress)=/.test(line))
      .slice(-count)
      .join(' | ');
  }
}

export function spawnFfmpeg(ffmpeg: string, args: readonly string[]): ChildProcess {
  // An argument array and no shell: nothing in a file name is ever interpreted by a shell.
  return spawn(ffmpeg, ['-nostdin', '-hide_banner', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
    shell: false,
  });
}

export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface FfmpegResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The end of stderr (its last 64 KB). */
  stderr: string;
  /** The start of stderr (its first 64 KB). */
  stderrStart: string;
}

/** Runs ffmpeg to completion, collecting (bounded) output; kills it on abort. */
export function runFfmpeg(
  ffmpeg: string,
  args: readonly string[],
  options: { signal?: AbortSignal; stdin?: 'ignore' | 'pipe' } = {},
): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const child = spawnFfmpeg(ffmpeg, args);
    const stdout = new StderrTail(64 * 1024);
    const stderr = new StderrTail(64 * 1024);
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const onAbort = () => killChild(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        new MediaError(undefined, `ffmpeg (${ffmpeg}) could not be started: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) reject(new AbortError());
      else resolve({ code, signal, stdout: stdout.value, stderr: stderr.value, stderrStart: stderr.start });
    });
  });
}
