import os from 'node:os';
import {
  type AnyBatchFactorizer,
  type InputShape,
  InvalidOptionError,
  ResourceLimitError,
} from '@lowrank/core';
import { formatBytes } from '@lowrank/io';

/**
 * One memory budget for a job: what the run will hold at its peak (the runtime, the decoded input,
 * the method's working memory as the method itself states it, the outputs being prepared) is
 * checked against the budget before anything big is allocated.
 */

/** Share of the memory available at the start that a job may plan to use: the rest is the system's. */
export const DEFAULT_BUDGET_SHARE = 0.75;

/** The default budget: DEFAULT_BUDGET_SHARE of the memory available now. */
export function defaultMemoryBudgetBytes(): number {
  return Math.floor(os.freemem() * DEFAULT_BUDGET_SHARE);
}

/**
 * The runtime's share of a job: RSS of a Node process that has loaded Lowrank and started its
 * kernel threads, before it reads anything (measured 75-90 MB on Node 20, linux-x64), and the V8
 * heap a job grows beside its big arrays (small arrays, compiled code, objects not yet collected):
 * the smallest whole job measured (randomized SVD of a 512 x 512 image) peaks at 103 MiB.
 */
export const RUNTIME_BASELINE_BYTES = 100 * 2 ** 20;

/**
 * Garbage a stream holds beyond the last frame's: each frame drops frame-size arrays (its decoded
 * bytes, the float frame pushed, the encoders' copies), which wait for the collector. V8
 * collects them once the memory outside its heap has grown by tens of MB (or sooner, with the young
 * generation): measured, streams from 320 x 240 to 1920 x 1080 peak with less than this beyond one
 * frame's garbage.
 */
export const STREAM_GARBAGE_BYTES = 32 * 2 ** 20;

/**
 * Working-memory guess for a method that does not state its own: five copies of the input, what a
 * principal component pursuit solver holds (L, S, the dual, a work matrix, its SVD's products).
 */
export const UNSTATED_WORKING_COPIES = 5;

/** Bytes `method` will hold for an input of `shape` (its own estimate, else the generous guess). */
export function methodWorkingBytes(
  method: AnyBatchFactorizer,
  shape: InputShape,
  options: Record<string, unknown>,
): number {
  const stated = method.estimateWorkingBytes?.(shape, options);
  if (stated !== undefined && Number.isFinite(stated) && stated >= 0) return stated;
  return UNSTATED_WORKING_COPIES * shape.rows * shape.cols * (shape.dtype === 'float32' ? 4 : 8);
}

/** A job's peak, part by part (bytes), for the check and for its message. */
export interface MemoryEstimate {
  readonly runtime: number;
  readonly input: number;
  readonly working: number;
  readonly outputs: number;
}

export function totalBytes(estimate: MemoryEstimate): number {
  return estimate.runtime + estimate.input + estimate.working + estimate.outputs;
}

/**
 * What would fit, for the refusal's advice: a smaller scale, fewer frames, or a streaming method
 * (its name), whose memory does not grow with the number of frames.
 */
export interface FittingSize {
  readonly scale?: number;
  readonly frames?: number;
  readonly streamingMethod?: string;
}

/** A job refused because its estimate is over the budget; `fits` says what would fit. */
export class MemoryBudgetError extends ResourceLimitError {
  readonly estimate: MemoryEstimate;
  readonly fits: FittingSize;
  constructor(what: string, estimate: MemoryEstimate, budget: number, fits: FittingSize, advice: string) {
    const needed = totalBytes(estimate);
    super(
      `${what} needs about ${formatBytes(needed)} (input ${formatBytes(estimate.input)}, method ${formatBytes(estimate.working)}, outputs ${formatBytes(estimate.outputs)}, runtime ${formatBytes(estimate.runtime)}), over the memory budget of ${formatBytes(budget)}.`,
      { hint: advice, neededBytes: needed, budgetBytes: budget },
    );
    this.estimate = estimate;
    this.fits = fits;
  }
}

/** Checks a budget option: a positive number of bytes. */
export function checkBudget(budget: number | undefined, option: string): number {
  const value = budget ?? defaultMemoryBudgetBytes();
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidOptionError(option, `${value} is not a positive number of bytes.`);
  }
  return value;
}

/**
 * The largest scale, in steps of 0.05 below `scale`, whose estimate fits; undefined when none does
 * (frames smaller than 8 pixels a side are not worth separating).
 */
export function largestFittingScale(
  scale: number,
  fits: (scale: number) => boolean,
  sides: { width: number; height: number },
): number | undefined {
  for (let s = Math.floor(scale * 20 - 1e-9) / 20; s >= 0.05 - 1e-9; s -= 0.05) {
    const rounded = Math.round(s * 100) / 100;
    if (Math.round(sides.width * rounded) < 8 || Math.round(sides.height * rounded) < 8) return undefined;
    if (fits(rounded)) return rounded;
  }
  return undefined;
}

/** The largest frame count at most `frames` whose estimate fits (at least 2), by bisection. */
export function largestFittingFrameCount(
  frames: number,
  fits: (frames: number) => boolean,
): number | undefined {
  if (!fits(2)) return undefined;
  let low = 2;
  let high = frames;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
