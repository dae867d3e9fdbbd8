import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { foregroundMasks } from '@lowrank/algorithms-rpca';
import {
  type AnyBatchFactorizer,
  type DenseMatrix,
  type Diagnostics,
  type Factorization,
  type FactorizerRegistry,
  InvalidInputError,
  InvalidOptionError,
  MediaError,
  throwIfAborted,
  type VideoMatrix,
  validateOptions,
  videoMatrixFrom,
} from '@lowrank/core';
import {
  type AtomicOutputDir,
  createAtomicOutputDir,
  decodeVideoMatrix,
  openVideoSource,
  scaledSize,
  type VideoSource,
} from '@lowrank/io';
import { isStillImagePath } from '@lowrank/io/formats';
import { allocateCollectedKernelArray } from '@lowrank/linalg';
import type { JobControl } from './image-compression.js';
import {
  checkBudget,
  type FittingSize,
  largestFittingFrameCount,
  largestFittingScale,
  MemoryBudgetError,
  type MemoryEstimate,
  methodWorkingBytes,
  RUNTIME_BASELINE_BYTES,
  totalBytes,
} from './memory-budget.js';
import { defaultMethods, pickBatchMethod } from './methods.js';
import { withMethodOptionNames } from './option-names.js';
import {
  foregroundGain,
  frameOf,
  magnitudeToBytes,
  maskToBytes,
  matrixPictureBytes,
  unitToBytes,
} from './separation-pictures.js';
import { SEPARATION_FILES, SeparationWriter } from './separation-writer.js';

/** Frames smaller than this a side hold too little to tell background from foreground. */
export const MIN_FRAME_SIDE = 8;

/** Background rank for a low-rank method whose own default rank is 'auto' (often the full rank). */
export const LOW_RANK_BACKGROUND_RANK = 2;

export type SeparationOptionName = 'method' | 'rank' | 'scale' | 'start' | 'count' | 'out' | 'memoryBudget';

export interface SeparateVideoOptions {
  /** A method name (looked up in `methods`) or a factorizer; default 'rpca'. */
  readonly method?: string | AnyBatchFactorizer;
  /** Where method names resolve (built-ins plus plugins); default the built-ins. */
  readonly methods?: FactorizerRegistry;
  /** Background rank, for methods with a rank option. */
  readonly rank?: number;
  /** The method's other options, validated against its spec. */
  readonly methodOptions?: Record<string, unknown>;
  /** Resize frames by this factor before separating (0.5 = half size). */
  readonly scale?: number;
  /** 0-based index of the first frame. */
  readonly start?: number;
  /** Number of frames to use (default all). */
  readonly count?: number;
  /** Separate in colour: read RGB, and a method with a colorMode option works on all three channels. */
  readonly color?: boolean;
  /** Compute foreground masks from |S|. */
  readonly masks?: boolean;
  /** Write the outputs into this new folder (atomically), checked before any decoding. */
  readonly out?: string;
  /** Replace an existing `out` folder. */
  readonly overwrite?: boolean;
  /** Bytes the job may plan to use; default 3/4 of the memory available now. */
  readonly memoryBudgetBytes?: number;
  readonly ffmpegPath?: string;
  /** Names options in messages the way the caller's user knows them (CLI flags, settings). */
  readonly optionNames?: Partial<Record<SeparationOptionName, string>>;
  /** Names the method's own options in messages (default: their keys). */
  readonly methodOptionName?: (key: string) => string;
  /** Words a memory refusal's advice for the caller's user (default: option names with values). */
  readonly advice?: (fits: FittingSize, budget: number) => string;
  /** Keep 8-bit display frames (original, background, foreground, mask) for a viewer. */
  readonly keepDisplay?: boolean;
}

/** 8-bit frames for a viewer: frames x height x width x channels each; masks one value per pixel. */
export interface SeparationDisplay {
  readonly original: Uint8Array;
  readonly background: Uint8Array;
  readonly foreground: Uint8Array;
  readonly mask: Uint8Array | undefined;
  readonly matrixPicture: { readonly width: number; readonly height: number; readonly pixels: Uint8Array };
}

/** What both front ends report for a separation. */
export interface SeparationSummary {
  input: string;
  frames: number;
  width: number;
  height: number;
  /** Values per pixel of the background and foreground (1 gray, 3 colour). */
  channels: number;
  fps: number | null;
  method: string;
  rank: number;
  iterations: number;
  converged: boolean;
  residual: number;
  /** Share of mask pixels that are foreground (with masks). */
  foregroundFraction?: number;
  decodeSeconds: number;
  factorizeSeconds: number;
  /** Per-iteration residuals, when the method reports them. */
  history?: number[];
}

export interface WriteSeparationOptions {
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { fraction: number; message: string }) => void;
}

/** A finished separation: the video, L and S (frames x values), the masks, and how to write or show them. */
export class VideoSeparation {
  readonly source: string;
  readonly method: AnyBatchFactorizer;
  readonly video: VideoMatrix;
  readonly lowRank: VideoMatrix;
  readonly sparse: VideoMatrix;
  /** frames x pixels, non-zero = foreground. */
  readonly masks: Uint8Array | undefined;
  /** One name per frame: the frame files' stems for a folder, frame-000001... for a video. */
  readonly frameNames: readonly string[];
  readonly rank: number;
  readonly diagnostics: Diagnostics;
  readonly decodeSeconds: number;
  readonly factorizeSeconds: number;
  readonly display: SeparationDisplay | undefined;
  /** What the job planned to hold at its peak (checked against the budget before decoding). */
  memoryEstimate: MemoryEstimate | undefined;
  /** Where writeOutputs last wrote, and the files (masks/ for the PNG frames). */
  written: { readonly dir: string; readonly files: readonly string[] } | undefined;
  #gain: number | undefined;

  constructor(parts: {
    source: string;
    method: AnyBatchFactorizer;
    video: VideoMatrix;
    lowRank: VideoMatrix;
    sparse: VideoMatrix;
    masks: Uint8Array | undefined;
    frameNames: readonly string[];
    rank: number;
    diagnostics: Diagnostics;
    decodeSeconds: number;
    factorizeSeconds: number;
    keepDisplay: boolean;
  }) {
    this.source = parts.source;
    this.method = parts.method;
    this.video = parts.video;
    this.lowRank = parts.lowRank;
    this.sparse = parts.sparse;
    this.masks = parts.masks;
    this.frameNames = parts.frameNames;
    this.rank = parts.rank;
    this.diagnostics = parts.diagnostics;
    this.decodeSeconds = parts.decodeSeconds;
    this.factorizeSeconds = parts.factorizeSeconds;
    this.display = parts.keepDisplay ? this.#displayFrames() : undefined;
  }

  get frames(): number {
    return this.video.rows;
  }
  get width(): number {
    return this.video.width;
  }
  get height(): number {
    return this.video.height;
  }
  /** Values per pixel of L and S. */
  get channels(): number {
    return this.lowRank.channels;
  }
  get fps(): number | undefined {
    return this.video.fps;
  }

  /** |S| drawn white at the video's FOREGROUND_WHITE_QUANTILE (computed once). */
  get foregroundGain(): number {
    this.#gain ??= foregroundGain(this.sparse.data);
    return this.#gain;
  }

  get foregroundFraction(): number | undefined {
    if (!this.masks) return undefined;
    let on = 0;
    for (let k = 0; k < this.masks.length; k++) if (this.masks[k]) on++;
    return on / this.masks.length;
  }

  summary(): SeparationSummary {
    const fraction = this.foregroundFraction;
    return {
      input: this.source,
      frames: this.frames,
      width: this.width,
      height: this.height,
      channels: this.channels,
      fps: this.fps ?? null,
      method: this.method.meta.name,
      rank: this.rank,
      iterations: this.diagnostics.iterations,
      converged: this.diagnostics.converged,
      residual: this.diagnostics.residual,
      ...(fraction === undefined ? {} : { foregroundFraction: fraction }),
      decodeSeconds: this.decodeSeconds,
      factorizeSeconds: this.factorizeSeconds,
      ...(this.diagnostics.history ? { history: [...this.diagnostics.history] } : {}),
    };
  }

  /** The original in the output's channels (gray when L and S are gray, as for luminance rpca). */
  #originalValues(): VideoMatrix {
    return this.video.channels === this.channels ? this.video : luminance(this.video);
  }

  #displayFrames(): SeparationDisplay {
    const gain = this.foregroundGain;
    return {
      original: unitToBytes(this.#originalValues().data),
      background: unitToBytes(this.lowRank.data),
      foreground: magnitudeToBytes(this.sparse.data, gain),
      mask: this.masks ? maskToBytes(this.masks) : undefined,
      matrixPicture: matrixPictureBytes(this.video, 320, 480),
    };
  }

  /**
   * Writes the outputs into `dir` (a new folder, filled atomically: SEPARATION_FILES), or into an
   * already created atomic folder. Returns the files written, relative to the folder.
   */
  async writeOutputs(dir: string | AtomicOutputDir, options: WriteSeparationOptions = {}): Promise<string[]> {
    const { signal } = options;
    const out =
      typeof dir === 'string'
        ? await createAtomicOutputDir(dir, {
            overwrite: options.overwrite ?? false,
            protect: [this.source],
            ...(signal ? { signal } : {}),
          })
        : dir;
    const writer = new SeparationWriter(
      out,
      {
        width: this.width,
        height: this.height,
        channels: this.channels as 1 | 3,
        fps: this.fps ?? 25,
        expectedFrames: this.frames,
        masks: this.masks !== undefined,
      },
      signal,
    );
    try {
      const original = this.#originalValues();
      const gain = this.foregroundGain;
      const pixels = this.width * this.height;
      const background = new Uint8Array(this.lowRank.cols);
      const foreground = new Uint8Array(this.sparse.cols);
      const mask = new Uint8Array(pixels);
      for (let f = 0; f < this.frames; f++) {
        await writer.frame({
          name: this.frameNames[f]!,
          original: frameOf(original, f),
          background: unitToBytes(frameOf(this.lowRank, f), background),
          foreground: magnitudeToBytes(frameOf(this.sparse, f), gain, foreground),
          ...(this.masks
            ? { mask: maskToBytes(this.masks.subarray(f * pixels, (f + 1) * pixels), mask) }
            : {}),
        });
        if (f % 16 === 0)
          options.onProgress?.({ fraction: f / this.frames, message: `frame ${f + 1} of ${this.frames}` });
      }
      options.onProgress?.({ fraction: 1, message: 'finishing' });
      this.written = await writer.finish(this.summary());
      return [...this.written.files];
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  }
}

/** BT.601 luma of an RGB video matrix (a gray copy). */
function luminance(video: VideoMatrix): VideoMatrix {
  const pixels = video.width * video.height;
  const out = new Float64Array(video.rows * pixels);
  for (let f = 0; f < video.rows; f++)
    for (let p = 0; p < pixels; p++) {
      const k = f * video.cols + 3 * p;
      out[f * pixels + p] = 0.299 * video.data[k]! + 0.587 * video.data[k + 1]! + 0.114 * video.data[k + 2]!;
    }
  return videoMatrixFrom(out, { frames: video.rows, width: video.width, height: video.height, channels: 1 });
}

/** Per-pixel |S| of the largest channel: one gray frame per row, for masks. */
function grayMagnitude(sparse: VideoMatrix): VideoMatrix {
  if (sparse.channels === 1) return sparse;
  const pixels = sparse.width * sparse.height;
  const out = new Float64Array(sparse.rows * pixels);
  for (let f = 0; f < sparse.rows; f++)
    for (let p = 0; p < pixels; p++) {
      let best = 0;
      for (let c = 0; c < sparse.channels; c++) {
        const v = sparse.data[f * sparse.cols + p * sparse.channels + c]!;
        if (Math.abs(v) > Math.abs(best)) best = v;
      }
      out[f * pixels + p] = best;
    }
  return videoMatrixFrom(out, {
    frames: sparse.rows,
    width: sparse.width,
    height: sparse.height,
    channels: 1,
  });
}

/** L and S of either kind of result: a low-rank result gives L = reconstruct(), S = M - L. */
function splitParts(
  result: Factorization,
  video: VideoMatrix,
): { lowRank: DenseMatrix; sparse: DenseMatrix } {
  if (result.kind === 'low-rank-plus-sparse') return { lowRank: result.lowRank, sparse: result.sparse };
  const lowRank = result.reconstruct();
  const sparse = new Float64Array(lowRank.data.length);
  for (let k = 0; k < sparse.length; k++) sparse[k] = video.data[k]! - lowRank.data[k]!;
  return { lowRank, sparse: { rows: lowRank.rows, cols: lowRank.cols, data: sparse } };
}

/** The method's options for this video: validated, colour mode and background rank settled. */
function separationOptions(
  method: AnyBatchFactorizer,
  options: SeparateVideoOptions,
  shape: { rows: number; cols: number },
): Record<string, unknown> {
  const given: Record<string, unknown> = { ...(options.methodOptions ?? {}) };
  if (options.rank !== undefined) given.rank = options.rank;
  const spec = method.options as Record<string, { type: string; values?: readonly string[] }>;
  // Colour asked for: a method that can factorize the three channels does, so the output is colour.
  if (options.color && given.colorMode === undefined && spec.colorMode?.values?.includes('channels'))
    given.colorMode = 'channels';
  const defaults = validateOptions(method.options, {}, shape) as Record<string, unknown>;
  // A low-rank method left at rank 'auto' would put the whole video in the background.
  if (method.kind === 'low-rank' && given.rank === undefined && defaults.rank === 'auto')
    given.rank = Math.min(LOW_RANK_BACKGROUND_RANK, shape.rows, shape.cols);
  return validateOptions(method.options, given, shape) as Record<string, unknown>;
}

/** Bytes a separation of `plan`'s frames will hold at its peak. */
export function estimateSeparationBytes(
  method: AnyBatchFactorizer,
  plan: { frames: number; width: number; height: number; channels: number },
  methodOptions: Record<string, unknown>,
  keepDisplay = false,
): MemoryEstimate {
  const frames = Math.max(plan.frames, 2);
  const pixels = plan.width * plan.height;
  const cols = pixels * plan.channels;
  const values = frames * cols;
  const working = methodWorkingBytes(method, { rows: frames, cols, channels: plan.channels }, methodOptions);
  // A low-rank result's S = M - L is made here; masks are a byte per pixel, plus |S| per pixel for colour.
  const split = method.kind === 'low-rank' ? 8 * values : 0;
  const masks = frames * pixels * (1 + (plan.channels > 1 ? 8 : 0));
  const display = keepDisplay ? 4 * values : 0;
  return { runtime: RUNTIME_BASELINE_BYTES, input: 8 * values, working, outputs: split + masks + display };
}

function defaultAdvice(names: SeparateVideoOptions['optionNames']): (fits: FittingSize) => string {
  return (fits) => {
    const ways: string[] = [];
    if (fits.scale !== undefined) ways.push(`${names?.scale ?? 'scale'} ${fits.scale}`);
    if (fits.frames !== undefined) ways.push(`${names?.count ?? 'count'} ${fits.frames}`);
    const budget = names?.memoryBudget ?? 'memoryBudget';
    return ways.length
      ? `These fit: ${ways.join(', or ')}; or raise ${budget} if the machine has the memory.`
      : `Nothing this size fits; raise ${budget} if the machine has the memory.`;
  };
}

/** Refuses, before decoding, a separation whose estimate is over the budget, saying what would fit. */
function checkSeparationMemory(
  method: AnyBatchFactorizer,
  plan: VideoSource,
  methodOptions: Record<string, unknown>,
  options: SeparateVideoOptions,
  budget: number,
): MemoryEstimate {
  const size = (scale: number) => scaledSize(plan.sourceWidth, plan.sourceHeight, scale);
  const estimateAt = (frames: number, width: number, height: number) =>
    estimateSeparationBytes(
      method,
      { frames, width, height, channels: plan.channels },
      methodOptions,
      options.keepDisplay,
    );
  const estimate = estimateAt(plan.frames, plan.width, plan.height);
  if (totalBytes(estimate) <= budget) return estimate;
  const scale = options.scale ?? 1;
  const fittingScale = largestFittingScale(
    scale,
    (s) => {
      const { width, height } = size(s);
      return totalBytes(estimateAt(plan.frames, width, height)) <= budget;
    },
    { width: plan.sourceWidth, height: plan.sourceHeight },
  );
  const fittingFrames = largestFittingFrameCount(
    plan.frames - 1,
    (frames) => totalBytes(estimateAt(frames, plan.width, plan.height)) <= budget,
  );
  const fits: FittingSize = {
    ...(fittingScale === undefined ? {} : { scale: fittingScale }),
    ...(fittingFrames === undefined ? {} : { frames: fittingFrames }),
  };
  const advice = options.advice ?? defaultAdvice(options.optionNames);
  throw new MemoryBudgetError(
    `${plan.path}: ${plan.frames} frames of ${plan.width} x ${plan.height}${plan.channels === 3 ? ' colour' : ''} with ${method.meta.name}`,
    estimate,
    budget,
    fits,
    advice(fits, budget),
  );
}

/**
 * Splits a fixed-camera video (or a folder of frames) into background and foreground: the work
 * behind `lowrank separate` and the VS Code separation panel. Checks the method, its options, the
 * output folder and the memory budget before decoding; writes the outputs atomically when `out`
 * is given (nothing is left behind after an error or a cancel).
 */
export async function separateVideo(
  source: string,
  options: SeparateVideoOptions = {},
  control: JobControl = {},
): Promise<VideoSeparation> {
  const names = options.optionNames ?? {};
  const { signal } = control;
  const registry = options.methods ?? (await defaultMethods()).registry;
  const method = pickBatchMethod(
    registry,
    options.method ?? 'rpca',
    ['low-rank-plus-sparse', 'low-rank'],
    'background separation',
    names.method,
  );
  if (options.rank !== undefined && !Object.hasOwn(method.options, 'rank')) {
    throw new InvalidOptionError(
      names.rank ?? 'rank',
      `method "${method.meta.name}" has no rank option (it chooses the rank itself).`,
      { hint: 'Leave the rank out, or use the svd-background method.' },
    );
  }
  const input = resolve(source);
  const isFolder = await stat(input).then(
    (s) => s.isDirectory(),
    () => {
      throw new MediaError(source, 'no such file or folder.', {
        hint: 'Give a video file or a folder of frame images.',
      });
    },
  );
  if (!isFolder && isStillImagePath(input)) {
    throw new MediaError(
      source,
      'is a still image; background separation needs a video file or a folder of frames.',
      {
        hint: 'Give a video or a folder of frame images (to compress an image, use compress).',
      },
    );
  }
  let out: AtomicOutputDir | undefined;
  if (options.out !== undefined) {
    const target = resolve(options.out);
    if (isFolder && (target === input || target.startsWith(input + sep))) {
      throw new InvalidOptionError(
        names.out ?? 'out',
        `${options.out} is inside the frames folder ${source}; outputs never go there.`,
        {
          hint: 'Choose a folder beside it.',
        },
      );
    }
    // Created now: a read-only or existing folder is refused before any work.
    out = await createAtomicOutputDir(target, {
      overwrite: options.overwrite ?? false,
      protect: [input],
      ...(signal ? { signal } : {}),
    });
  }
  try {
    control.onStage?.('probe');
    const plan = await openVideoSource(input, {
      mode: options.color ? 'rgb' : 'gray',
      ...(options.scale === undefined ? {} : { scale: options.scale }),
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.count === undefined ? {} : { count: options.count }),
      ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
      ...(signal ? { signal } : {}),
    });
    if (plan.width < MIN_FRAME_SIDE || plan.height < MIN_FRAME_SIDE) {
      const smallest =
        Math.ceil((MIN_FRAME_SIDE / Math.min(plan.sourceWidth, plan.sourceHeight)) * 100) / 100;
      throw new InvalidOptionError(
        names.scale ?? 'scale',
        `${options.scale ?? 1} makes ${plan.width} x ${plan.height} frames of the ${plan.sourceWidth} x ${plan.sourceHeight} video; separation needs at least ${MIN_FRAME_SIDE} pixels a side.`,
        { hint: smallest <= 1 ? `Use a scale of at least ${smallest}.` : 'The video itself is too small.' },
      );
    }
    const shape = { rows: Math.max(plan.frames, 2), cols: plan.width * plan.height * plan.channels };
    const methodOptions = await withMethodOptionNames(method, options.methodOptionName, () =>
      separationOptions(method, options, shape),
    );
    const budget = checkBudget(options.memoryBudgetBytes, names.memoryBudget ?? 'memoryBudget');
    const estimate = checkSeparationMemory(method, plan, methodOptions, options, budget);

    control.onStage?.('decode');
    const decodeStart = performance.now();
    const decoded = await decodeVideoMatrix(plan, {
      // Decoded straight into the kernel memory: robust PCA's threads read it there, no copy.
      allocate: allocateCollectedKernelArray,
      memoryBudget: budget,
      ...(signal ? { signal } : {}),
      ...(control.onWarning ? { onWarning: control.onWarning } : {}),
      onProgress: (p) =>
        control.onProgress?.({ fraction: p.fraction, message: `${p.frames}/${p.total} frames` }),
    });
    const decodeSeconds = (performance.now() - decodeStart) / 1000;
    const video = decoded.matrix;
    if (video.rows < 2) {
      throw new InvalidInputError(
        `${source}: only ${video.rows} frame(s) to work with; background separation needs at least 2.`,
        { hint: `Check ${names.start ?? 'start'} and ${names.count ?? 'count'}.` },
      );
    }
    // The decode is the truth: a header may have miscounted the frames.
    const settled =
      video.rows === shape.rows
        ? methodOptions
        : await withMethodOptionNames(method, options.methodOptionName, () =>
            separationOptions(method, options, video),
          );

    control.onStage?.('factorize');
    const factorizeStart = performance.now();
    const result = await withMethodOptionNames(method, options.methodOptionName, () =>
      method.factorize(video, settled, {
        ...(signal ? { signal } : {}),
        ...(control.onProgress ? { onProgress: control.onProgress } : {}),
      }),
    );
    const factorizeSeconds = (performance.now() - factorizeStart) / 1000;
    throwIfAborted(signal);
    const parts = splitParts(result, video);
    const pixels = video.width * video.height;
    const channels = Math.max(1, Math.round(parts.lowRank.cols / pixels));
    if (parts.lowRank.rows !== video.rows || channels * pixels !== parts.lowRank.cols) {
      throw new InvalidInputError(
        `method "${method.meta.name}" returned a ${parts.lowRank.rows} x ${parts.lowRank.cols} background for a ${video.rows} x ${video.cols} video.`,
      );
    }
    const asVideo = (m: DenseMatrix) =>
      videoMatrixFrom(m.data, {
        frames: m.rows,
        width: video.width,
        height: video.height,
        channels,
        ...(video.fps === undefined ? {} : { fps: video.fps }),
      });
    const lowRank = asVideo(parts.lowRank);
    const sparse = asVideo(parts.sparse);
    let masks: Uint8Array | undefined;
    if (options.masks) {
      control.onStage?.('masks');
      masks = foregroundMasks(grayMagnitude(sparse), { width: video.width, height: video.height }).data;
    }
    const frameNames =
      decoded.names ?? decoded.sourceIndices.map((i) => `frame-${String(i + 1).padStart(6, '0')}`);
    const separation = new VideoSeparation({
      source: input,
      method,
      video,
      lowRank,
      sparse,
      masks,
      frameNames,
      rank: result.rank,
      diagnostics: result.diagnostics,
      decodeSeconds,
      factorizeSeconds,
      keepDisplay: options.keepDisplay ?? false,
    });
    separation.memoryEstimate = estimate;
    if (out) {
      control.onStage?.('write');
      await separation.writeOutputs(out, {
        ...(signal ? { signal } : {}),
        onProgress: (p) => control.onProgress?.(p),
      });
    }
    return separation;
  } catch (error) {
    await out?.abort();
    throw error;
  }
}
