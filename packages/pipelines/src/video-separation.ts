import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { estimateMaskModelBytes, foregroundMasks } from '@lowrank/algorithms-rpca';
import {
  type AnyBatchFactorizer,
  type AnyFactorizer,
  type AnyStreamingFactorizer,
  type DenseMatrix,
  type Diagnostics,
  type Factorization,
  type FactorizerRegistry,
  InvalidInputError,
  InvalidOptionError,
  isBatchFactorizer,
  isStreamingFactorizer,
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
import type { JobControl } from './image-compression.js';
import { KernelDecodeAllocator } from './kernel-decode-allocator.js';
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
import type {
  SeparateVideoOptions,
  SeparationDisplay,
  SeparationSummary,
  WriteSeparationOptions,
} from './separation-types.js';
import { SeparationWriter, separationWriterBytes } from './separation-writer.js';
import {
  estimateStreamingBytes,
  runStreamingSeparation,
  type StreamedSeparation,
  streamingOptions,
} from './streaming-separation.js';

/** Frames smaller than this a side hold too little to tell background from foreground. */
export const MIN_FRAME_SIDE = 8;

/** Background rank for a low-rank method whose own default rank is 'auto' (often the full rank). */
export const LOW_RANK_BACKGROUND_RANK = 2;

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
        videos: options.videos ?? true,
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

/**
 * Bytes a separation of `plan`'s frames will hold at its peak: the runtime, the decoded video (one
 * copy, in the kernel memory), the method's working memory as it states it (its result included),
 * and the job's own arrays: L and S split from a low-rank result, the masks, a gray original for a
 * luminance split of a colour video, the encoders' queues and the kept display frames.
 */
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
  // A low-rank result is split here: L = reconstruct() and S = M - L, two new matrices, L made by
  // one product whose C linalg builds in blocks of up to 128 rows (its single-thread module).
  const split = method.kind === 'low-rank' ? 2 * 8 * values + 8 * Math.min(frames, 128) * cols : 0;
  // Masks: a byte per pixel of every frame and the mask model (whether or not they are asked for).
  const masks = frames * pixels + estimateMaskModelBytes(plan);
  // L and S gray from a colour video (rpca's luminance mode): the original is written gray, a copy.
  const grayOriginal = plan.channels > 1 && methodOptions.colorMode === 'luminance' ? 8 * frames * pixels : 0;
  const writing = separationWriterBytes(plan);
  const display = keepDisplay ? 4 * values : 0;
  return {
    runtime: RUNTIME_BASELINE_BYTES,
    input: 8 * values,
    working,
    outputs: split + masks + grayOriginal + writing + display,
  };
}

function defaultAdvice(names: SeparateVideoOptions['optionNames']): (fits: FittingSize) => string {
  return (fits) => {
    const ways: string[] = [];
    if (fits.scale !== undefined) ways.push(`${names?.scale ?? 'scale'} ${fits.scale}`);
    if (fits.frames !== undefined) ways.push(`${names?.count ?? 'count'} ${fits.frames}`);
    if (fits.streamingMethod !== undefined)
      ways.push(`${names?.method ?? 'method'} ${fits.streamingMethod} (any length, in constant memory)`);
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
  registry: FactorizerRegistry,
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
  // A streaming method holds a few frames, not the video: advised when its defaults fit.
  const streaming = defaultStreamingMethod(registry);
  const streams =
    streaming !== undefined &&
    totalBytes(
      estimateStreamingBytes(streaming, plan, streamingOptions(streaming, {}), options.keepDisplay),
    ) <= budget;
  const fits: FittingSize = {
    ...(fittingScale === undefined ? {} : { scale: fittingScale }),
    ...(fittingFrames === undefined ? {} : { frames: fittingFrames }),
    ...(streams ? { streamingMethod: streaming.meta.name } : {}),
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

/** Everything a run needs once the input, outputs and method are checked and the source probed. */
interface PreparedSeparation {
  readonly input: string;
  readonly plan: VideoSource;
  readonly out: AtomicOutputDir | undefined;
  readonly budget: number;
}

/** The first streaming method registered: what a batch run that would not fit streams with. */
function defaultStreamingMethod(registry: FactorizerRegistry): AnyStreamingFactorizer | undefined {
  return registry.list('streaming').find(isStreamingFactorizer);
}

/** A separation method: low-rank + sparse, low-rank (S = M - L) or streaming. */
function pickSeparationMethod(
  registry: FactorizerRegistry,
  method: string | AnyFactorizer,
  option = 'method',
): AnyFactorizer {
  const plugin =
    typeof method !== 'string' ? method : registry.has(method) ? registry.get(method) : undefined;
  if (plugin && isStreamingFactorizer(plugin)) return plugin;
  return pickBatchMethod(
    registry,
    plugin && isBatchFactorizer(plugin) ? plugin : (method as string),
    ['low-rank-plus-sparse', 'low-rank'],
    'background separation',
    option,
  );
}

/**
 * Splits a fixed-camera video (or a folder of frames) into background and foreground: the work
 * behind `lowrank separate` and the VS Code separation panel. Checks the method, its options, the
 * output folder and the memory budget before decoding; writes the outputs atomically when `out`
 * is given (nothing is left behind after an error or a cancel). A batch method holds the whole
 * video; a streaming one (kind 'streaming') takes frames one at a time in bounded memory, and is
 * used instead of the batch default when the caller names no method and the batch run would not fit.
 */
export async function separateVideo(
  source: string,
  options: SeparateVideoOptions = {},
  control: JobControl = {},
): Promise<VideoSeparation | StreamedSeparation> {
  const names = options.optionNames ?? {};
  const registry = options.methods ?? (await defaultMethods()).registry;
  const picked = pickSeparationMethod(registry, options.method ?? 'rpca', names.method);
  if (options.rank !== undefined && !Object.hasOwn(picked.options, 'rank')) {
    throw new InvalidOptionError(
      names.rank ?? 'rank',
      `method "${picked.meta.name}" has no rank option (it chooses the rank itself).`,
      { hint: 'Leave the rank out, or use the svd-background method.' },
    );
  }
  const { input, out } = await checkInputAndOutput(source, options, control.signal);
  try {
    control.onStage?.('probe');
    const plan = await probeSource(input, options, control.signal);
    const budget = checkBudget(options.memoryBudgetBytes, names.memoryBudget ?? 'memoryBudget');
    const prepared: PreparedSeparation = { input, plan, out, budget };
    let method = picked;
    if (isBatchFactorizer(method)) {
      const batch = method;
      const batchOptions = await withMethodOptionNames(batch, options.methodOptionName, () =>
        separationOptions(batch, options, {
          rows: Math.max(plan.frames, 2),
          cols: plan.width * plan.height * plan.channels,
        }),
      );
      const fits =
        totalBytes(estimateSeparationBytes(batch, plan, batchOptions, options.keepDisplay)) <= budget;
      const fallback = options.method === undefined ? defaultStreamingMethod(registry) : undefined;
      if (fits || !fallback) {
        const estimate = checkSeparationMemory(batch, plan, batchOptions, options, budget, registry);
        return await runBatchSeparation(batch, batchOptions, estimate, prepared, options, control);
      }
      control.onNote?.(
        `${plan.frames} frames of ${plan.width} x ${plan.height} would not fit the memory budget with ${batch.meta.name}; separating them as a stream with ${fallback.meta.name} instead.`,
      );
      method = fallback;
    }
    const streaming = method as AnyStreamingFactorizer;
    const streamOptions = await withMethodOptionNames(streaming, options.methodOptionName, () =>
      streamingOptions(streaming, options),
    );
    const estimate = estimateStreamingBytes(streaming, plan, streamOptions, options.keepDisplay);
    if (totalBytes(estimate) > budget) {
      const advice = options.advice ?? defaultAdvice(options.optionNames);
      throw new MemoryBudgetError(
        `${plan.path}: frames of ${plan.width} x ${plan.height} with ${streaming.meta.name}`,
        estimate,
        budget,
        {},
        advice({}, budget),
      );
    }
    const streamed = await withMethodOptionNames(streaming, options.methodOptionName, () =>
      runStreamingSeparation({
        method: streaming,
        methodOptions: streamOptions,
        input,
        plan,
        out,
        options,
        control,
      }),
    );
    streamed.memoryEstimate = estimate;
    return streamed;
  } catch (error) {
    await out?.abort();
    throw error;
  }
}

/** The input exists and is not a still image; the output folder, if any, is created now (refused if it exists or is read-only). */
async function checkInputAndOutput(
  source: string,
  options: SeparateVideoOptions,
  signal: AbortSignal | undefined,
): Promise<{ input: string; out: AtomicOutputDir | undefined }> {
  const names = options.optionNames ?? {};
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
  if (options.out === undefined) return { input, out: undefined };
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
  const out = await createAtomicOutputDir(target, {
    overwrite: options.overwrite ?? false,
    protect: [input],
    ...(signal ? { signal } : {}),
  });
  return { input, out };
}

/** Opens the source (sizes and frame count, no pixels) and refuses frames too small to separate. */
async function probeSource(
  input: string,
  options: SeparateVideoOptions,
  signal: AbortSignal | undefined,
): Promise<VideoSource> {
  const names = options.optionNames ?? {};
  // colorMode 'channels' asks for colour as plainly as the color option does.
  const colour = options.color || options.methodOptions?.colorMode === 'channels';
  const plan = await openVideoSource(input, {
    mode: colour ? 'rgb' : 'gray',
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.start === undefined ? {} : { start: options.start }),
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
    ...(signal ? { signal } : {}),
  });
  if (plan.width < MIN_FRAME_SIDE || plan.height < MIN_FRAME_SIDE) {
    const smallest = Math.ceil((MIN_FRAME_SIDE / Math.min(plan.sourceWidth, plan.sourceHeight)) * 100) / 100;
    throw new InvalidOptionError(
      names.scale ?? 'scale',
      `${options.scale ?? 1} makes ${plan.width} x ${plan.height} frames of the ${plan.sourceWidth} x ${plan.sourceHeight} video; separation needs at least ${MIN_FRAME_SIDE} pixels a side.`,
      { hint: smallest <= 1 ? `Use a scale of at least ${smallest}.` : 'The video itself is too small.' },
    );
  }
  return plan;
}

/** Decodes the whole video into the kernel memory, factorizes it, masks it, writes it. */
async function runBatchSeparation(
  method: AnyBatchFactorizer,
  methodOptions: Record<string, unknown>,
  estimate: MemoryEstimate,
  { input, plan, out, budget }: PreparedSeparation,
  options: SeparateVideoOptions,
  control: JobControl,
): Promise<VideoSeparation> {
  const names = options.optionNames ?? {};
  const { signal } = control;
  const decodeStart = performance.now();
  // Decoded straight into the kernel memory: robust PCA's threads read it there, no copy.
  const storage = new KernelDecodeAllocator();
  let decoded: Awaited<ReturnType<typeof decodeVideoMatrix>> | undefined;
  try {
    decoded = await decodeVideoMatrix(plan, {
      allocate: (length) => {
        control.onStage?.('allocate');
        const data = storage.allocate(length);
        control.onStage?.('decode');
        return data;
      },
      memoryBudget: budget,
      ...(signal ? { signal } : {}),
      ...(control.onWarning ? { onWarning: control.onWarning } : {}),
      onProgress: (p) =>
        control.onProgress?.({ fraction: p.fraction, message: `${p.frames}/${p.total} frames` }),
    });
  } finally {
    storage.settle(decoded?.matrix.data as Float64Array | undefined);
  }
  const decodeSeconds = (performance.now() - decodeStart) / 1000;
  const video = decoded.matrix;
  if (video.rows < 2) {
    throw new InvalidInputError(
      `${input}: only ${video.rows} frame(s) to work with; background separation needs at least 2.`,
      {
        hint: `Check ${names.start ?? 'start'} and ${names.count ?? 'count'}.`,
      },
    );
  }
  // The decode is the truth: a header may have miscounted the frames.
  const settled =
    video.rows === Math.max(plan.frames, 2)
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
    // Colour S as it is: the model takes a pixel's largest channel deviation (as a gray |S| would).
    masks = foregroundMasks(sparse).data;
  }
  const separation = new VideoSeparation({
    source: input,
    method,
    video,
    lowRank,
    sparse,
    masks,
    frameNames: decoded.names ?? decoded.sourceIndices.map((i) => `frame-${String(i + 1).padStart(6, '0')}`),
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
      videos: options.videos ?? true,
      ...(signal ? { signal } : {}),
      onProgress: (p) => control.onProgress?.(p),
    });
  }
  return separation;
}
