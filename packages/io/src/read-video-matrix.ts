import {
  type DType,
  InvalidOptionError,
  throwIfAborted,
  type VideoMatrix,
  videoMatrixFrom,
} from '@lowrank/core';
import { assertFitsMemory } from './memory-budget.js';
import { decodeFrames, openVideoSource, type ReadFramesOptions, type VideoSource } from './read-frames.js';

export interface VideoProgress {
  /** Frames decoded so far. */
  frames: number;
  /** Frames expected in total (from the probe; may be off by a few where headers lie). */
  total: number;
  fraction: number;
}

export interface ReadVideoMatrixOptions extends ReadFramesOptions {
  /** Element type of the matrix. Default float64. */
  dtype?: DType;
  /** Bytes the matrix may take; default a fifth of free memory (see memory-budget.ts). */
  memoryBudget?: number;
  onProgress?: (progress: VideoProgress) => void;
  /**
   * Where a float64 matrix's elements live (float32 ignores it): called with an element count, it
   * returns a zero-filled Float64Array of exactly that length; default `new Float64Array(length)`.
   * The CLI passes @lowrank/linalg's kernel memory, so robust PCA's threads read the video where it
   * was decoded instead of copying it first. The result's data is always an array this returned
   * (never a view into a larger one), so an allocator that frees on garbage collection stays safe.
   */
  allocate?: (length: number) => Float64Array;
}

export interface VideoMatrixResult {
  /** frames x pixels, row-major, values in [0, 1] (8-bit sample / 255). */
  matrix: VideoMatrix;
  source: VideoSource;
  /** Frame file stems, for frame folders (one per matrix row). */
  names?: string[];
  /** Source index of each row (start + i * step). */
  sourceIndices: number[];
}

/** byte -> byte / 255 (a division, bit-identical to numpy's uint8 / 255.0; a table is as fast as a multiply). */
const BYTE_TO_UNIT = Float64Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Decodes a video file or frame folder straight into the frames x pixels VideoMatrix of
 * @lowrank/core, frame by frame (no second copy of the whole video). The memory need is checked
 * against the budget before anything is decoded.
 */
export async function readVideoMatrix(
  source: string,
  options: ReadVideoMatrixOptions = {},
): Promise<VideoMatrixResult> {
  return decodeVideoMatrix(await openVideoSource(source, options), options);
}

/** readVideoMatrix for a source already opened (openVideoSource): no second probe of the file. */
export async function decodeVideoMatrix(
  plan: VideoSource,
  options: Omit<ReadVideoMatrixOptions, keyof ReadFramesOptions> &
    Pick<ReadFramesOptions, 'signal' | 'onWarning'> = {},
): Promise<VideoMatrixResult> {
  const source = plan.path;
  const dtype = options.dtype ?? 'float64';
  const bytesPerElement = dtype === 'float32' ? 4 : 8;
  const pixels = plan.width * plan.height * plan.channels;
  assertFitsMemory(
    {
      width: plan.width,
      height: plan.height,
      channels: plan.channels,
      frames: Math.max(plan.frames, 1),
      bytesPerElement,
    },
    { ...(options.memoryBudget === undefined ? {} : { budgetBytes: options.memoryBudget }), what: source },
  );
  const custom = dtype === 'float64' ? options.allocate : undefined;
  const allocate = (frames: number): Float32Array | Float64Array => {
    const length = frames * pixels;
    if (dtype === 'float32') return new Float32Array(length);
    if (!custom) return new Float64Array(length);
    const data = custom(length);
    if (!(data instanceof Float64Array) || data.length !== length) {
      throw new InvalidOptionError(
        'allocate',
        `allocate(${length}) must return a Float64Array of that length.`,
      );
    }
    return data;
  };
  let capacity = Math.max(plan.frames, 1);
  let data = allocate(capacity);
  let frames = 0;
  const sourceIndices: number[] = [];
  const total = plan.frames;
  for await (const frame of decodeFrames(plan, options.signal, options.onWarning)) {
    if (frames === capacity) {
      // The header under-counted: grow by half (rare; packet counts are usually exact).
      const grown = Math.ceil(capacity * 1.5) + 1;
      assertFitsMemory(
        { width: plan.width, height: plan.height, channels: plan.channels, frames: grown, bytesPerElement },
        {
          ...(options.memoryBudget === undefined ? {} : { budgetBytes: options.memoryBudget }),
          what: source,
        },
      );
      const bigger = allocate(grown);
      bigger.set(data);
      data = bigger;
      capacity = grown;
    }
    const row = frames * pixels;
    const bytes = frame.data;
    for (let p = 0; p < pixels; p++) data[row + p] = BYTE_TO_UNIT[bytes[p]!]!;
    sourceIndices.push(frame.sourceIndex);
    frames++;
    throwIfAborted(options.signal);
    options.onProgress?.({
      frames,
      total: Math.max(total, frames),
      fraction: Math.min(1, frames / Math.max(total, frames)),
    });
  }
  // Fewer frames than counted: a view of the filled part (no copy), or with a custom allocator
  // a copy into its own array of the right size (a view would outlive what it views there).
  let filled = data;
  if (frames < capacity) {
    if (custom && frames > 0) {
      filled = allocate(frames);
      filled.set(data.subarray(0, frames * pixels));
    } else {
      filled = data.subarray(0, frames * pixels);
    }
  }
  const matrix = videoMatrixFrom(filled, {
    frames,
    width: plan.width,
    height: plan.height,
    channels: plan.channels,
    ...(plan.fps === undefined ? {} : { fps: plan.fps }),
  });
  const names = plan.names?.slice(0, frames);
  return { matrix, source: plan, ...(names ? { names } : {}), sourceIndices };
}
