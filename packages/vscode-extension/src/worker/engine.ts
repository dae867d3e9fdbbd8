import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type AnyFactorizer,
  type DenseMatrix,
  InvalidInputError,
  isLowrankError,
  type LoadedPlugins,
  type Progress,
  type SvdFactorsView,
} from '@lowrank/core';
import { encodeImage, openVideoSource, probeImage, readImage } from '@lowrank/io';
import {
  AUTOMATIC_METHOD,
  compressImageFile,
  EXACT_SVD_MAX_PIXELS,
  type FittingSize,
  type ImageCompression,
  loadMethods,
  MemoryBudgetError,
  type StreamedSeparation,
  separateVideo,
  type VideoSeparation,
} from '@lowrank/pipelines';
import { sampleBlocks } from '../shared/preview-blocks.js';
import type {
  ChannelFactors,
  CompressionResultInfo,
  ErrorInfo,
  ImageInfo,
  MethodInfo,
  PluginErrorInfo,
  ProgressInfo,
  QualityInfo,
  SeparationResultInfo,
  VideoProbeInfo,
} from '../shared/protocol.js';
import type { PartialResult, WorkerConfig, WorkerRequest, WorkerResults } from '../shared/worker-protocol.js';
import { describeMethod } from './method-info.js';

export type ProgressSink = (progress: ProgressInfo) => void;
/** Where a request's results-before-the-result go (the original, a first preview). */
export type PartialSink = (partial: PartialResult) => void;

/** The decoded planes as the 8-bit RGBA picture the webview draws (gray repeated in R, G, B). */
export function rgbaOf(planes: readonly { data: ArrayLike<number> }[], pixels: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels * 4);
  const [r, g = r, b = r] = planes.map((p) => p.data) as [
    ArrayLike<number>,
    ArrayLike<number>?,
    ArrayLike<number>?,
  ];
  for (let p = 0; p < pixels; p++) {
    // Uint8ClampedArray rounds half to even and clamps: the value a PNG of the plane would hold.
    out[4 * p] = r[p]! * 255;
    out[4 * p + 1] = g[p]! * 255;
    out[4 * p + 2] = b[p]! * 255;
    out[4 * p + 3] = 255;
  }
  return out;
}

/** How often a streaming separation's latest frame goes to the panel. */
const LIVE_FRAME_INTERVAL_MS = 150;

/** What each pipeline stage is called in the panels. */
const STAGE_LABELS: Record<string, string> = {
  probe: 'Probing',
  decode: 'Reading',
  factorize: 'Factorizing',
  masks: 'Computing masks',
  write: 'Writing outputs',
};

/** Pipeline stages and progress as the panel's progress messages. */
function reporter(progress: ProgressSink, factorizeLabel: string) {
  let stage = 'Starting';
  return {
    onStage: (name: string) => {
      stage = name === 'factorize' ? factorizeLabel : (STAGE_LABELS[name] ?? name);
      progress({ stage });
    },
    onProgress: (p: Progress) => {
      const info: { -readonly [K in keyof ProgressInfo]: ProgressInfo[K] } = { stage };
      if (p.fraction !== undefined) info.fraction = p.fraction;
      if (p.iteration !== undefined) info.iteration = p.iteration;
      if (p.maxIterations !== undefined) info.maxIterations = p.maxIterations;
      if (p.residual !== undefined) info.residual = p.residual;
      if (p.message !== undefined) info.message = p.message;
      progress(info);
    },
  };
}

/** How the panel words a memory refusal: the controls and settings it has, with values that fit. */
function panelAdvice(fits: FittingSize): string {
  const ways: string[] = [];
  if (fits.scale !== undefined) ways.push(`lower the scale to ${fits.scale} (Lower Scale)`);
  if (fits.frames !== undefined) ways.push(`read at most ${fits.frames} frames`);
  return ways.length
    ? `To fit: ${ways.join(', or ')}; or raise lowrank.memoryBudgetMB if the machine has the memory.`
    : 'Raise lowrank.memoryBudgetMB if the machine has the memory.';
}

/** A result's declared SVD factors as the webview takes them: float32, U rows x rank and V cols x rank. */
export function channelFactors({ u, s, v }: SvdFactorsView): ChannelFactors {
  const rank = Math.min(s.length, u.cols, v.cols);
  const out = {
    rank,
    u: new Float32Array(u.rows * rank),
    s: Float32Array.from(s.subarray(0, rank)),
    v: new Float32Array(v.rows * rank),
  };
  for (let i = 0; i < u.rows; i++)
    for (let k = 0; k < rank; k++) out.u[i * rank + k] = u.data[i * u.cols + k]!;
  for (let j = 0; j < v.rows; j++)
    for (let k = 0; k < rank; k++) out.v[j * rank + k] = v.data[j * v.cols + k]!;
  return out;
}

/** Pixels of the quick first copy of a big original (about a fitted view's). */
const REDUCED_ORIGINAL_PIXELS = 1 << 20;

/**
 * A quick first copy of a big original, at about a megapixel (a JPEG shrinks on load), in the
 * colours factorized (the panel's gray is the pipeline's), sent before anything else so the
 * picture shows at once; the full-size one follows. Undefined for small images.
 */
export async function reducedOriginal(file: string, colour: boolean): Promise<ImageInfo | undefined> {
  try {
    const probe = await probeImage(file);
    const pixels = probe.width * probe.height;
    if (pixels <= EXACT_SVD_MAX_PIXELS) return undefined;
    const fit = Math.sqrt(REDUCED_ORIGINAL_PIXELS / pixels);
    const size = {
      width: Math.max(1, Math.round(probe.width * fit)),
      height: Math.max(1, Math.round(probe.height * fit)),
    };
    const inColour = colour && probe.colour;
    const small = await readImage(file, { mode: inColour ? 'rgb' : 'gray', size });
    const bytes = await encodeImage(inColour ? small.channels : small.matrix, 'jpeg', { quality: 90 });
    return {
      fileName: basename(file),
      width: probe.width,
      height: probe.height,
      channels: inColour ? 3 : 1,
      encoded: { bytes: new Uint8Array(bytes), type: 'image/jpeg', source: false, reduced: true },
    };
  } catch {
    return undefined; // the pipeline reports an unreadable file
  }
}

/**
 * A big JPEG's own bytes as the original to show, when they show what is factorized: the colour
 * picture in colour mode, or a gray one. Sent while the pipeline decodes, so the original appears
 * without waiting for the decode and a re-encode (the browser decodes it off its main thread, with
 * the same EXIF orientation). Undefined otherwise: the original then goes after decoding.
 */
export async function sourceAsOriginal(file: string, colour: boolean): Promise<ImageInfo | undefined> {
  try {
    const probe = await probeImage(file);
    if (probe.format !== 'jpeg' || probe.width * probe.height <= EXACT_SVD_MAX_PIXELS) return undefined;
    if (probe.colour && !colour) return undefined;
    return {
      fileName: basename(file),
      width: probe.width,
      height: probe.height,
      channels: probe.colour ? 3 : 1,
      encoded: { bytes: new Uint8Array(await readFile(file)), type: 'image/jpeg', source: true },
    };
  } catch {
    return undefined; // the pipeline reports an unreadable file
  }
}

/**
 * The original as the panel shows it: a big JPEG's own bytes when they show what is factorized
 * (sourceAsOriginal), else a JPEG of the decoded planes above 1 megapixel (48 MB of RGBA for 12
 * megapixels takes tens of seconds through VS Code's webview channel on code-server, a JPEG about
 * one), else the exact RGBA.
 */
async function fullOriginal(
  file: string,
  colour: boolean,
  planes: readonly DenseMatrix[],
): Promise<ImageInfo> {
  const source = await sourceAsOriginal(file, colour);
  if (source) return source;
  const { rows: height, cols: width } = planes[0]!;
  const big = width * height > EXACT_SVD_MAX_PIXELS;
  return {
    fileName: basename(file),
    width,
    height,
    channels: planes.length,
    ...(big
      ? {
          encoded: {
            bytes: new Uint8Array(
              await encodeImage(planes.length === 1 ? planes[0]! : planes, 'jpeg', { quality: 95 }),
            ),
            type: 'image/jpeg',
            source: false,
          },
        }
      : { rgba: rgbaOf(planes, width * height) }),
  };
}

/**
 * The worker's side of the panels: a thin adapter over @lowrank/pipelines (the same jobs as the
 * `lowrank` command). One engine serves one panel and keeps its last job, so the rank slider, Save
 * and Export never compute again.
 */
export class Engine {
  readonly #config: WorkerConfig;
  #methods: Promise<LoadedPlugins> | undefined;
  #compression: ImageCompression | undefined;
  #separation: VideoSeparation | StreamedSeparation | undefined;

  constructor(config: WorkerConfig) {
    this.#config = config;
  }

  async handle(
    request: WorkerRequest,
    progress: ProgressSink,
    signal?: AbortSignal,
    partial: PartialSink = () => undefined,
  ): Promise<WorkerResults[WorkerRequest['type']]> {
    switch (request.type) {
      case 'methods':
        return this.methods();
      case 'compress':
        return this.compress(request, progress, signal, partial);
      case 'quality':
        return this.quality(request.rank);
      case 'reconstruct':
        return this.reconstruct(request.rank);
      case 'savePng':
        return this.savePng(request.rank, request.target);
      case 'probeVideo':
        return this.probeVideo(request.file);
      case 'separate':
        return this.separate(request, progress, signal);
      case 'export':
        return this.export(request.folder, progress, signal);
    }
  }

  #loadMethods(): Promise<LoadedPlugins> {
    this.#methods ??= loadMethods({
      plugins: this.#config.pluginModules,
      cwd: this.#config.pluginBase,
      failures: 'collect',
    });
    return this.#methods;
  }

  async methods(): Promise<{ methods: MethodInfo[]; pluginErrors: PluginErrorInfo[] }> {
    const loaded = await this.#loadMethods();
    return {
      methods: loaded.registry
        .list()
        .map((p: AnyFactorizer) => describeMethod(p, loaded.loaded.has(p.meta.name))),
      pluginErrors: loaded.failures.map((f) => ({ specifier: f.specifier, message: f.error.message })),
    };
  }

  /**
   * Compresses with the shared pipeline. Before the result, `partial` gets the original as soon as
   * it is decoded and, on a big image, a first preview from quick leading factors.
   */
  async compress(
    request: Extract<WorkerRequest, { type: 'compress' }>,
    progress: ProgressSink,
    signal?: AbortSignal,
    partial: PartialSink = () => undefined,
  ): Promise<{ result: CompressionResultInfo }> {
    const { file, method, options, colour, rankCap } = request;
    this.#compression = undefined;
    const { registry } = await this.#loadMethods();
    const report = reporter(progress, 'Factorizing');
    /** The original sent from the file while it is decoded, when that shows the colours factorized. */
    let early: Promise<boolean> = Promise.resolve(false);
    const job = await compressImageFile(
      file,
      {
        method,
        methods: registry,
        methodOptions: options,
        color: colour,
        defaultRank: this.#config.defaultRank,
        rankCap,
        memoryBudgetBytes: this.#config.memoryBudgetBytes,
        optionNames: { memoryBudget: 'lowrank.memoryBudgetMB', rankCap: 'the Ranks computed field' },
      },
      {
        ...report,
        onStage: (name) => {
          report.onStage(name);
          // A big image: a small copy first (it shows at once); the full-size picture, for zooming,
          // waits for the factorization, so the early moments carry only what the first view needs.
          if (name === 'decode')
            early = reducedOriginal(file, colour).then((reduced) => {
              if (reduced) partial({ kind: 'image', image: reduced });
              return reduced !== undefined;
            });
        },
        ...(signal ? { signal } : {}),
        onDecoded: async (planes) => {
          if (await early) return;
          partial({ kind: 'image', image: await fullOriginal(file, colour, planes) });
        },
        // Sent at the size it was computed at (a sixteenth of the bytes for 12 megapixels).
        onPreview: (factors, block) =>
          partial({ kind: 'preview', factors: factors.map((f) => sampleBlocks(channelFactors(f), block)) }),
      },
    );
    if (await early) partial({ kind: 'image', image: await fullOriginal(file, colour, job.planes) });
    this.#compression = job;
    const storedNumbers = new Float64Array(job.maxRank);
    for (let k = 1; k <= job.maxRank; k++) storedNumbers[k - 1] = job.storedNumbers(k);
    const spectra = job.singularValues;
    const factors = job.factors?.map(channelFactors);
    return {
      result: {
        method: job.method.meta.name,
        rank: job.rank,
        squaredNorm: job.squaredNorm,
        maxRank: job.maxRank,
        fullRank: job.fullRank,
        storedNumbers,
        milliseconds: job.seconds * 1000,
        ...(spectra ? { singularValues: spectra.map((s) => Float32Array.from(s)) } : {}),
        ...(factors ? { factors } : {}),
        ...(job.partialSvd ? { partialNote: job.partialSvd.note } : {}),
      },
    };
  }

  #job(): ImageCompression {
    if (!this.#compression)
      throw new InvalidInputError('Nothing is factorized yet.', { hint: 'Run the compression first.' });
    return this.#compression;
  }

  quality(rank: number): QualityInfo {
    const q = this.#job().quality(rank);
    return { rank, psnr: q.psnr, ssim: q.ssim, relativeError: q.relativeError };
  }

  reconstruct(rank: number): { rank: number; pixels: Float32Array } {
    const planes = this.#job().reconstruct(rank);
    const size = planes[0]!.data.length;
    const pixels = new Float32Array(size * planes.length);
    for (const [c, p] of planes.entries()) pixels.set(p.data, c * size);
    return { rank, pixels };
  }

  async savePng(rank: number, target: string): Promise<{ file: string }> {
    return { file: await this.#job().writeReconstruction(rank, target) };
  }

  async probeVideo(file: string): Promise<VideoProbeInfo> {
    const source = await openVideoSource(file, {
      ...(this.#config.ffmpegPath ? { ffmpegPath: this.#config.ffmpegPath } : {}),
    });
    return {
      fileName: basename(file),
      width: source.sourceWidth,
      height: source.sourceHeight,
      frames: source.totalFrames,
      ...(source.fps === undefined ? {} : { fps: source.fps }),
    };
  }

  async separate(
    request: Extract<WorkerRequest, { type: 'separate' }>,
    progress: ProgressSink,
    signal?: AbortSignal,
  ): Promise<SeparationResultInfo> {
    this.#separation = undefined;
    const { registry } = await this.#loadMethods();
    const history: number[] = [];
    const warnings: string[] = [];
    const notes: string[] = [];
    let lastFrameAt = 0;
    const report = reporter(progress, 'Separating');
    const job = await separateVideo(
      request.file,
      {
        // Automatic: the pipeline's choice, batch rpca when it fits the budget, else a stream.
        ...(request.method === AUTOMATIC_METHOD ? {} : { method: request.method }),
        methods: registry,
        methodOptions: request.options,
        color: request.colour,
        scale: request.scale,
        start: request.startFrame,
        count: request.frameCount,
        masks: true,
        keepDisplay: true,
        // A streaming method stopped by Cancel keeps the frames it has done.
        keepPartial: true,
        memoryBudgetBytes: this.#config.memoryBudgetBytes,
        ...(this.#config.ffmpegPath ? { ffmpegPath: this.#config.ffmpegPath } : {}),
        optionNames: {
          scale: 'scale',
          start: 'first frame',
          count: 'frames',
          memoryBudget: 'lowrank.memoryBudgetMB',
        },
        advice: panelAdvice,
      },
      {
        onStage: report.onStage,
        onWarning: (message) => warnings.push(message),
        onNote: (note) => {
          notes.push(note);
          progress({ stage: 'Separating', note });
        },
        onFrame: (frame) => {
          // A few frames a second are enough to watch the background emerge.
          const now = performance.now();
          if (now - lastFrameAt < LIVE_FRAME_INTERVAL_MS) return;
          lastFrameAt = now;
          progress({
            stage: 'Separating',
            message: `frame ${frame.index + 1}`,
            frame: {
              ...frame,
              original: frame.original.slice(),
              background: frame.background.slice(),
              foreground: frame.foreground.slice(),
              ...(frame.mask ? { mask: frame.mask.slice() } : {}),
            },
          });
        },
        onProgress: (p) => {
          if (p.residual !== undefined) history.push(p.residual);
          report.onProgress(p);
        },
        ...(signal ? { signal } : {}),
      },
    );
    this.#separation = job;
    const display = job.display!;
    const summary = job.summary();
    const streamed = summary.streaming;
    return {
      method: summary.method,
      width: job.width,
      height: job.height,
      frames: job.frames,
      fps: job.fps ?? 25,
      channels: job.channels,
      // Copies: the result's buffers move to the host, and the job keeps its frames for Export
      // (a stream writes its outputs from them).
      original: display.original.slice(),
      background: display.background.slice(),
      foreground: display.foreground.slice(),
      mask: display.mask?.slice() ?? new Uint8Array(job.frames * job.width * job.height),
      // A stopped stream's picture holds only the columns of its frames done.
      matrixPicture: { ...display.matrixPicture, pixels: display.matrixPicture.pixels.slice() },
      history: summary.history ?? history,
      iterations: summary.iterations,
      converged: summary.converged,
      residual: summary.residual,
      rank: summary.rank,
      // A stream decodes and separates frame by frame: its time is the whole run's.
      milliseconds: (summary.factorizeSeconds + (streamed ? summary.decodeSeconds : 0)) * 1000,
      ...(warnings.length ? { warnings } : {}),
      ...(notes.length ? { notes } : {}),
      ...(streamed
        ? {
            streaming: {
              framesPerSecond: streamed.framesPerSecond,
              stoppedEarly: streamed.stoppedEarly,
            },
          }
        : {}),
    };
  }

  /** Writes the separation's outputs (the same files as `lowrank separate --masks`) into the new folder `folder`. */
  async export(folder: string, progress: ProgressSink, signal?: AbortSignal): Promise<{ files: string[] }> {
    const job = this.#separation;
    if (!job) throw new InvalidInputError('Nothing is separated yet.', { hint: 'Run the separation first.' });
    const files = await job.writeOutputs(folder, {
      ...(signal ? { signal } : {}),
      onProgress: (p) => progress({ stage: `Writing ${p.message}`, fraction: p.fraction }),
    });
    return { files };
  }
}

/** An error as plain data for the host, keeping the LowrankError code, hint and what would fit. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isLowrankError(error)) {
    const hint = error.hint;
    // LowrankError appends the hint to the message; show it once, as the hint.
    const message =
      hint && error.message.endsWith(hint) ? error.message.slice(0, -hint.length).trim() : error.message;
    const fits = error instanceof MemoryBudgetError ? { fits: { ...error.fits } } : {};
    return { message, code: error.code, ...(hint ? { hint } : {}), ...fits };
  }
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}
