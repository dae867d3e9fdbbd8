import { basename, join } from 'node:path';
import {
  type AnyBatchFactorizer,
  type AnyFactorizer,
  type DenseMatrix,
  FactorizerRegistry,
  InvalidInputError,
  InvalidOptionError,
  isBatchFactorizer,
  isLowrankError,
  type LowRankFactorization,
  type LowRankPlusSparseFactorization,
  ResourceLimitError,
  throwIfAborted,
  type VideoMatrix,
  videoMatrixFrom,
} from '@lowrank/core';
import type {
  ChannelFactors,
  CompressionResultInfo,
  ErrorInfo,
  ImageInfo,
  MethodInfo,
  OptionValues,
  ProgressInfo,
  QualityInfo,
  SeparationResultInfo,
  VideoProbeInfo,
} from '../shared/protocol.js';
import type { WorkerConfig, WorkerRequest, WorkerResults } from '../shared/worker-protocol.js';
import { clampUnit, imageQuality } from './image-quality.js';
import type { MediaBackend, PlanarImage } from './media-backend.js';
import { describeMethod } from './method-info.js';
import { extractFactors } from './svd-factors.js';
import { matrixPicture, toDisplayBytes, toMagnitudeBytes } from './video-display.js';

export type ProgressSink = (progress: ProgressInfo) => void;

interface CompressionState {
  readonly image: PlanarImage;
  readonly results: readonly LowRankFactorization[];
  readonly maxRank: number;
}

interface SeparationState {
  readonly video: VideoMatrix;
  readonly result: LowRankPlusSparseFactorization;
  readonly masks: Uint8Array;
  readonly fps: number;
}

/** Extra bytes per factorized value beyond the input itself (factors, workspace), for budget checks. */
const COMPRESSION_BYTES_PER_VALUE = 8 * 6;

/**
 * All the computation behind the panels, independent of worker_threads so it can be tested in
 * process. One engine serves one panel; it caches the last factorization so the rank slider and
 * "Save" never factorize again.
 */
export class Engine {
  readonly #config: WorkerConfig;
  readonly #media: MediaBackend;
  readonly #builtins: readonly AnyFactorizer[];
  #registry: Promise<{ registry: FactorizerRegistry; custom: Set<string>; errors: string[] }> | undefined;
  #compression: CompressionState | undefined;
  #separation: SeparationState | undefined;

  constructor(config: WorkerConfig, media: MediaBackend, builtins: readonly AnyFactorizer[]) {
    this.#config = config;
    this.#media = media;
    this.#builtins = builtins;
  }

  async handle(
    request: WorkerRequest,
    progress: ProgressSink,
    signal?: AbortSignal,
  ): Promise<WorkerResults[WorkerRequest['type']]> {
    switch (request.type) {
      case 'methods':
        return this.methods();
      case 'compress':
        return this.compress(request.file, request.method, request.options, request.colour, progress);
      case 'quality':
        return this.quality(request.rank);
      case 'reconstruct':
        return this.reconstruct(request.rank);
      case 'savePng':
        return this.savePng(request.rank, request.target);
      case 'probeVideo':
        return this.probeVideo(request.file);
      case 'separate':
        return this.separate(request, progress);
      case 'export':
        return this.export(request.folder, request.baseName, progress, signal);
    }
  }

  #loadRegistry() {
    this.#registry ??= (async () => {
      const registry = new FactorizerRegistry();
      for (const plugin of this.#builtins) registry.register(plugin);
      const custom = new Set<string>();
      const errors: string[] = [];
      for (const specifier of this.#config.pluginModules) {
        try {
          for (const plugin of await registry.load(specifier, this.#config.pluginBase))
            custom.add(plugin.meta.name);
        } catch (error) {
          errors.push(`${specifier}: ${(error as Error).message}`);
        }
      }
      return { registry, custom, errors };
    })();
    return this.#registry;
  }

  async methods(): Promise<{ methods: MethodInfo[]; pluginErrors: string[] }> {
    const { registry, custom, errors } = await this.#loadRegistry();
    return {
      methods: registry.list().map((p) => describeMethod(p, custom.has(p.meta.name))),
      pluginErrors: errors,
    };
  }

  async #plugin(name: string, kind: AnyBatchFactorizer['kind']): Promise<AnyBatchFactorizer> {
    const { registry } = await this.#loadRegistry();
    const plugin = registry.get(name);
    if (!isBatchFactorizer(plugin) || plugin.kind !== kind) {
      throw new InvalidOptionError(
        'method',
        `"${name}" is a ${plugin.kind} method; this panel needs a ${kind} method.`,
        { hint: `Pick one of: ${registry.names(kind).join(', ')}.` },
      );
    }
    return plugin;
  }

  async compress(
    file: string,
    method: string,
    options: OptionValues,
    colour: boolean,
    progress: ProgressSink,
  ): Promise<{ image: ImageInfo; result: CompressionResultInfo }> {
    const plugin = await this.#plugin(method, 'low-rank');
    this.#compression = undefined;
    progress({ stage: 'Reading image', message: basename(file) });
    const image = await this.#media.readImage(file, colour);
    const { width, height } = image;
    const channels = image.planes.length;
    const needed = channels * width * height * COMPRESSION_BYTES_PER_VALUE;
    if (needed > this.#config.memoryBudgetBytes) {
      throw new ResourceLimitError(
        `${basename(file)}: a ${width} x ${height} image needs about ${mib(needed)} MiB to factorize, over the memory budget of ${mib(this.#config.memoryBudgetBytes)} MiB.`,
        {
          hint: 'Raise lowrank.memoryBudgetMB, use the gray mode, or resize the image.',
          neededBytes: needed,
          budgetBytes: this.#config.memoryBudgetBytes,
        },
      );
    }
    const started = performance.now();
    const results: LowRankFactorization[] = [];
    for (let c = 0; c < channels; c++) {
      const stage = channels > 1 ? `Factorizing channel ${c + 1} of ${channels}` : 'Factorizing';
      progress({ stage, fraction: c / channels });
      const result = (await plugin.factorize(image.planes[c]!, options, {
        onProgress: (p) =>
          progress({ stage, ...definedOnly(p), fraction: (c + (p.fraction ?? 0)) / channels }),
      })) as LowRankFactorization;
      if (result.kind !== 'low-rank' || typeof result.reconstruct !== 'function') {
        throw new InvalidInputError(
          `Method "${method}" returned a ${result.kind} result, not a low-rank one.`,
        );
      }
      results.push(result);
    }
    const milliseconds = performance.now() - started;
    const fullRank = Math.min(width, height);
    const maxRank = Math.max(1, Math.min(fullRank, ...results.map((r) => r.rank)));
    const storedNumbers = new Float64Array(maxRank);
    for (let k = 1; k <= maxRank; k++) {
      let total = 0;
      for (const r of results) total += r.storedNumbers(k);
      storedNumbers[k - 1] = total;
    }
    const singular = results.every((r) => r.singularValues && r.singularValues.length > 0)
      ? results.map((r) => Float32Array.from(r.singularValues!))
      : undefined;
    const factors: ChannelFactors[] = [];
    for (const r of results) {
      const f = extractFactors(r);
      if (!f) break;
      factors.push(f);
    }
    this.#compression = { image, results, maxRank };
    const original = new Float32Array(channels * width * height);
    for (const [c, plane] of image.planes.entries()) original.set(plane.data, c * width * height);
    return {
      image: { fileName: basename(file), width, height, channels, original },
      result: {
        method,
        maxRank,
        fullRank,
        storedNumbers,
        milliseconds,
        ...(singular ? { singularValues: singular } : {}),
        ...(factors.length === channels ? { factors } : {}),
      },
    };
  }

  #compressionState(): CompressionState {
    if (!this.#compression) {
      throw new InvalidInputError('Nothing is factorized yet.', { hint: 'Run the compression first.' });
    }
    return this.#compression;
  }

  #reconstructPlanes(rank: number): DenseMatrix[] {
    const state = this.#compressionState();
    if (!Number.isInteger(rank) || rank < 1 || rank > state.maxRank) {
      throw new InvalidOptionError('rank', `${rank} is outside 1..${state.maxRank}.`);
    }
    return state.results.map((r) => clampUnit(r.reconstruct(rank)));
  }

  quality(rank: number): QualityInfo {
    const planes = this.#reconstructPlanes(rank);
    return { rank, ...imageQuality(this.#compressionState().image.planes, planes) };
  }

  reconstruct(rank: number): { rank: number; pixels: Float32Array } {
    const planes = this.#reconstructPlanes(rank);
    const size = planes[0]!.data.length;
    const pixels = new Float32Array(size * planes.length);
    for (const [c, p] of planes.entries()) pixels.set(p.data, c * size);
    return { rank, pixels };
  }

  async savePng(rank: number, target: string): Promise<{ file: string }> {
    const { width, height } = this.#compressionState().image;
    await this.#media.writePng(target, { width, height, planes: this.#reconstructPlanes(rank) });
    return { file: target };
  }

  async probeVideo(file: string): Promise<VideoProbeInfo> {
    const info = await this.#media.probeVideo(file);
    return { fileName: basename(file), ...info };
  }

  async separate(
    request: Extract<WorkerRequest, { type: 'separate' }>,
    progress: ProgressSink,
  ): Promise<SeparationResultInfo> {
    const plugin = await this.#plugin(request.method, 'low-rank-plus-sparse');
    this.#separation = undefined;
    const name = basename(request.file);
    progress({ stage: 'Probing', message: name });
    const info = await this.#media.probeVideo(request.file);
    const frames = Math.max(0, Math.min(request.frameCount, info.frames - request.startFrame));
    if (frames < 2) {
      throw new InvalidOptionError(
        'frames',
        `${name} has ${info.frames} frames; frames ${request.startFrame}.. give fewer than 2.`,
        {
          hint: 'Lower the start frame.',
        },
      );
    }
    const w = Math.max(1, Math.round(info.width * request.scale));
    const h = Math.max(1, Math.round(info.height * request.scale));
    const needed = this.#media.estimateSeparationBytes(frames, w * h);
    if (needed > this.#config.memoryBudgetBytes) {
      const fit = Math.sqrt(this.#config.memoryBudgetBytes / needed) * request.scale;
      throw new ResourceLimitError(
        `${name}: ${frames} frames of ${w} x ${h} need about ${mib(needed)} MiB, over the memory budget of ${mib(this.#config.memoryBudgetBytes)} MiB.`,
        {
          hint: `Lower the scale to ${Math.max(0.05, Math.floor(fit * 20) / 20)} or below, read fewer frames, or raise lowrank.memoryBudgetMB.`,
          neededBytes: needed,
          budgetBytes: this.#config.memoryBudgetBytes,
        },
      );
    }
    progress({ stage: 'Reading frames', message: `${frames} frames of ${name}` });
    const video = await this.#media.readVideo(request.file, {
      scale: request.scale,
      startFrame: request.startFrame,
      frameCount: frames,
    });
    const started = performance.now();
    const history: number[] = [];
    const result = (await plugin.factorize(video, request.options, {
      onProgress: (p) => {
        if (p.residual !== undefined) history.push(p.residual);
        progress({ stage: 'Separating', ...definedOnly(p) });
      },
    })) as LowRankPlusSparseFactorization;
    if (result.kind !== 'low-rank-plus-sparse' || !result.lowRank || !result.sparse) {
      throw new InvalidInputError(`Method "${request.method}" did not return a low-rank plus sparse split.`);
    }
    const milliseconds = performance.now() - started;
    progress({ stage: 'Preparing display' });
    const masks = this.#media.masksFromSparse(result.sparse, video.width, video.height);
    const fps = video.fps ?? info.fps ?? 25;
    this.#separation = { video, result, masks, fps };
    const maskBytes = new Uint8Array(masks.length);
    for (let k = 0; k < masks.length; k++) maskBytes[k] = masks[k] ? 255 : 0;
    return {
      method: request.method,
      width: video.width,
      height: video.height,
      frames: video.rows,
      fps,
      original: toDisplayBytes(video.data),
      background: toDisplayBytes(result.lowRank.data),
      foreground: toMagnitudeBytes(result.sparse.data),
      mask: maskBytes,
      matrixPicture: matrixPicture(video, 320, 480),
      history: result.diagnostics.history ? [...result.diagnostics.history] : history,
      iterations: result.diagnostics.iterations,
      converged: result.diagnostics.converged,
      residual: result.diagnostics.residual,
      rank: result.rank,
      milliseconds,
    };
  }

  /** Writes background, foreground and mask videos, and the masks as PNG frames in masks/, into `folder` (new and empty). */
  async export(
    folder: string,
    baseName: string,
    progress: ProgressSink,
    signal?: AbortSignal,
  ): Promise<{ files: string[] }> {
    const state = this.#separation;
    if (!state)
      throw new InvalidInputError('Nothing is separated yet.', { hint: 'Run the separation first.' });
    const { video, result, masks } = state;
    const shape = {
      frames: video.rows,
      width: video.width,
      height: video.height,
      channels: 1,
      fps: state.fps,
    };
    const files: string[] = [];
    const background = videoMatrixFrom(
      clampUnit({ rows: video.rows, cols: video.cols, data: Float32Array.from(result.lowRank.data) }).data,
      shape,
    );
    progress({ stage: 'Writing background video', fraction: 0 });
    files.push(join(folder, `${baseName}-background.mp4`));
    await this.#media.writeVideo(files.at(-1)!, background, signal);
    const magnitude = new Float32Array(result.sparse.data.length);
    for (let k = 0; k < magnitude.length; k++) magnitude[k] = Math.min(1, Math.abs(result.sparse.data[k]!));
    throwIfAborted(signal);
    progress({ stage: 'Writing foreground video', fraction: 1 / 3 });
    files.push(join(folder, `${baseName}-foreground.mp4`));
    await this.#media.writeVideo(files.at(-1)!, videoMatrixFrom(magnitude, shape), signal);
    const maskValues = new Float32Array(masks.length);
    for (let k = 0; k < masks.length; k++) maskValues[k] = masks[k] ? 1 : 0;
    throwIfAborted(signal);
    progress({ stage: 'Writing mask video', fraction: 2 / 3 });
    files.push(join(folder, `${baseName}-mask.mp4`));
    await this.#media.writeVideo(files.at(-1)!, videoMatrixFrom(maskValues, shape), signal);
    const digits = Math.max(4, String(video.rows).length);
    const names = Array.from(
      { length: video.rows },
      (_, f) => `${baseName}-mask-${String(f + 1).padStart(digits, '0')}`,
    );
    throwIfAborted(signal);
    progress({ stage: 'Writing mask frames', fraction: 0.9 });
    const masksFolder = join(folder, 'masks');
    await this.#media.writeFrames(masksFolder, videoMatrixFrom(maskValues, shape), names, signal);
    files.push(...names.map((n) => join(masksFolder, `${n}.png`)));
    return { files };
  }
}

function mib(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20);
}

function definedOnly(p: object): Partial<ProgressInfo> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined && k !== 'fraction') out[k] = v;
  return out as Partial<ProgressInfo>;
}

/** An error as plain data for the host, keeping the LowrankError code and hint. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isLowrankError(error)) {
    const hint = error.hint;
    // LowrankError appends the hint to the message; show it once, as the hint.
    const message =
      hint && error.message.endsWith(hint) ? error.message.slice(0, -hint.length).trim() : error.message;
    return { message, code: error.code, ...(hint ? { hint } : {}) };
  }
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}
