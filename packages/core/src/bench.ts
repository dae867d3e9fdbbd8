import type { DenseMatrix } from './matrix.js';

/**
 * Benchmark plumbing shared by the algorithm packages and `lowrank bench`. Suites describe what to
 * measure; the harness (the CLI) supplies media decoding and the numpy reference, and prints the
 * records as JSON lines. Timings are medians of `repeat` runs measured in the same process run.
 */
export interface BenchContext {
  /**
   * Decodes media exactly as the numpy reference does (ffmpeg 8-bit gray, value / 255): an image
   * as a height x width matrix; a video or frames folder as a frames x pixels VideoMatrix.
   */
  loadMedia(path: string, options?: { scale?: number; frames?: number }): Promise<DenseMatrix>;
  /**
   * Runs the numpy/scikit-learn reference script with these arguments and resolves its JSON
   * object, or undefined when Python/numpy/scikit-learn are not installed (the harness says so).
   */
  reference(args: readonly string[]): Promise<Record<string, unknown> | undefined>;
  /** Absolute path of a file under the shared data folder (for example 'images/camera.png'). */
  dataPath(relative: string): string;
  /** How many timed runs to take the median of. */
  readonly repeat: number;
  readonly signal?: AbortSignal;
  log(message: string): void;
}

/** One JSON line of `pnpm bench`. */
export interface BenchRecord {
  readonly case: string;
  /** Median seconds of our implementation. */
  readonly seconds: number;
  /** Median seconds of numpy/scikit-learn on the same matrix, when available. */
  readonly referenceSeconds?: number;
  /** seconds / referenceSeconds: below 1 means faster than the reference. */
  readonly ratio?: number;
  readonly relativeError?: number;
  readonly referenceRelativeError?: number;
  readonly [extra: string]: unknown;
}

export interface BenchCase {
  readonly name: string;
  run(ctx: BenchContext): Promise<BenchRecord[]>;
}

export interface BenchSuite {
  readonly name: string;
  readonly cases: readonly BenchCase[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `fn` `repeat` times and returns the median wall-clock seconds and the last result.
 * `warmup` untimed runs go first: JavaScript is compiled as it runs, and WebAssembly modules and
 * worker pools start on first use, so a cold first run measures start-up, not the algorithm.
 */
export async function timeMedian<T>(
  repeat: number,
  fn: () => Promise<T> | T,
  options: { warmup?: number } = {},
): Promise<{ seconds: number; runs: number[]; result: T }> {
  for (let i = 0; i < (options.warmup ?? 0); i++) await fn();
  const runs: number[] = [];
  let result!: T;
  for (let i = 0; i < Math.max(1, repeat); i++) {
    const start = performance.now();
    result = await fn();
    runs.push((performance.now() - start) / 1000);
  }
  return { seconds: median(runs), runs, result };
}
