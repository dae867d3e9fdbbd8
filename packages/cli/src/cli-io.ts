import { isAbortError, isLowrankError, type LowrankError } from '@lowrank/core';

/** Where a command writes and what it runs under; tests pass their own. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** A progress bar and colours only when stdout is a terminal. */
  readonly stdoutIsTTY: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C; commands pass it down to every long loop. */
  readonly signal: AbortSignal;
}

export function processIO(signal: AbortSignal): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
    signal,
  };
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, the shell convention for "stopped by Ctrl-C". */
export const EXIT_CANCELLED = 130;

const USAGE_CODES = new Set<LowrankError['code']>([
  'INVALID_OPTION',
  'INVALID_INPUT',
  'INVALID_PLUGIN',
  'PLUGIN_NOT_FOUND',
  'MEDIA_ERROR',
  'OUTPUT_EXISTS',
  'RESOURCE_LIMIT',
]);

/** Exit code for an error: 2 for bad usage or bad input, 130 for a cancel, 1 for anything else. */
export function exitCodeFor(error: unknown): number {
  if (isAbortError(error)) return EXIT_CANCELLED;
  if (isLowrankError(error) && USAGE_CODES.has(error.code)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** One line for stderr: the message (which names the file or flag) without a stack. */
export function errorLine(error: unknown): string {
  if (isAbortError(error)) return 'lowrank: cancelled; no output was written.';
  if (isLowrankError(error)) return `lowrank: ${oneLine(error.message)}`;
  const e = error as Error;
  return `lowrank: internal error: ${oneLine(e?.message ?? String(error))} (please report it with the command you ran)`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Writes one JSON object as one line of stdout. */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
}

/** JSON has no Infinity or NaN: write null, as JSON.stringify does, but keep typed arrays as arrays. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
  return value;
}

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
