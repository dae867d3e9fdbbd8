import { estimateStreamingMaskBytes } from '@lowrank/algorithms-rpca';
import {
  type AnyStreamingFactorizer,
  type FrameShape,
  type MatrixData,
  type SeparatedFrame,
  type StreamingDiagnostics,
  throwIfAborted,
  validateOptions,
} from '@lowrank/core';
import {
  type AtomicOutputDir,
  absQuantile,
  createAtomicOutputDir,
  decodeFrames,
  type VideoSource,
} from '@lowrank/io';
import type { JobControl } from './image-compression.js';
import { type MemoryEstimate, RUNTIME_BASELINE_BYTES, STREAM_GARBAGE_BYTES } from './memory-budget.js';
import {
  FOREGROUND_WHITE_QUANTILE,
  MatrixPictureAccumulator,
  magnitudeToBytes,
  unitToBytes,
} from './separation-pictures.js';
import type {
  SeparateVideoOptions,
  SeparationDisplay,
  SeparationSummary,
  WriteSeparationOptions,
} from './separation-types.js';
import { SeparationWriter, separationWriterBytes } from './separation-writer.js';
import { estimateMaskThreadBytes, openMaskStage, type StreamedMask } from './streaming-mask-thread.js';

/** A streaming method that states nothing is assumed to hold this many frames' worth of values. */
export const UNSTATED_STREAMING_FRAMES = 16;
/** How fast the foreground's white level follows the frames' 99.5th percentile of |S|. */
const GAIN_FOLLOW_RATE = 0.1;

/**
 * Bytes a streaming separation holds: independent of the number of frames but for `display`.
 * Besides the method's own state (as it states it), the frame in flight (its decoded bytes and the
 * float frame pushed), the 8-bit originals of the frames the method holds back, the output frame
 * (8-bit background, foreground and mask, |S| per pixel), the mask model, the writer's queues, and
 * the garbage the stream drops as it goes.
 */
export function estimateStreamingBytes(
  method: AnyStreamingFactorizer,
  plan: { frames: number; width: number; height: number; channels: number },
  methodOptions: Record<string, unknown>,
  keepDisplay = false,
): MemoryEstimate {
  const frame: FrameShape = { width: plan.width, height: plan.height, channels: plan.channels };
  const pixels = plan.width * plan.height;
  const values = pixels * plan.channels;
  const stated = method.estimateWorkingBytes?.(frame, methodOptions);
  const working =
    stated !== undefined && Number.isFinite(stated) ? stated : UNSTATED_STREAMING_FRAMES * values * 8;
  // A frame the method holds back costs it at least a float32 copy (4 bytes a value), and its 8-bit
  // original (1 byte a value) waits here until the frame comes out: a quarter of the method's bytes
  // bounds them, however many frames it holds.
  const heldOriginals = working / 4;
  const inFlight = values * (1 + 4);
  // The output frame: 8-bit background, foreground and mask, the float original again for the
  // writer and the masks, and the mask model on its thread (whether or not masks are asked for).
  const outputFrame =
    2 * values + pixels + 4 * values + estimateStreamingMaskBytes(frame) + estimateMaskThreadBytes(frame);
  const display = keepDisplay ? 4 * values * Math.max(plan.frames, 1) : 0;
  // Each frame drops its decoded bytes, the float frame pushed and the writer's copies.
  const garbage = STREAM_GARBAGE_BYTES + 7 * values + 2 * pixels;
  return {
    runtime: RUNTIME_BASELINE_BYTES,
    input: inFlight + heldOriginals,
    working,
    outputs: outputFrame + separationWriterBytes(plan) + display + garbage,
  };
}

/**
 * A streaming separation's result: no frames x pixels matrices (the frames went through), but the
 * summary, the background plate at the end, and for a viewer the 8-bit frames when asked.
 */
export class StreamedSeparation {
  readonly source: string;
  readonly method: AnyStreamingFactorizer;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly fps: number | undefined;
  readonly frameNames: readonly string[];
  readonly diagnostics: StreamingDiagnostics;
  /** The method's background estimate after the last frame (values in [0, 1]). */
  readonly backgroundPlate: MatrixData;
  readonly decodeSeconds: number;
  readonly factorizeSeconds: number;
  readonly display: SeparationDisplay | undefined;
  readonly foregroundFraction: number | undefined;
  /** True when the run was stopped early and kept the frames done (keepPartial). */
  readonly stoppedEarly: boolean;
  memoryEstimate: MemoryEstimate | undefined;
  written: { readonly dir: string; readonly files: readonly string[] } | undefined;

  constructor(parts: {
    source: string;
    method: AnyStreamingFactorizer;
    width: number;
    height: number;
    channels: number;
    fps: number | undefined;
    frameNames: readonly string[];
    diagnostics: StreamingDiagnostics;
    backgroundPlate: MatrixData;
    decodeSeconds: number;
    factorizeSeconds: number;
    display: SeparationDisplay | undefined;
    foregroundFraction: number | undefined;
    stoppedEarly: boolean;
  }) {
    this.source = parts.source;
    this.method = parts.method;
    this.width = parts.width;
    this.height = parts.height;
    this.channels = parts.channels;
    this.fps = parts.fps;
    this.frameNames = parts.frameNames;
    this.diagnostics = parts.diagnostics;
    this.backgroundPlate = parts.backgroundPlate;
    this.decodeSeconds = parts.decodeSeconds;
    this.factorizeSeconds = parts.factorizeSeconds;
    this.display = parts.display;
    this.foregroundFraction = parts.foregroundFraction;
    this.stoppedEarly = parts.stoppedEarly;
  }

  get frames(): number {
    return this.diagnostics.frames;
  }

  get rank(): number {
    return this.diagnostics.rank;
  }

  summary(): SeparationSummary {
    const seconds = this.decodeSeconds + this.factorizeSeconds;
    return {
      input: this.source,
      frames: this.frames,
      width: this.width,
      height: this.height,
      channels: this.channels,
      fps: this.fps ?? null,
      method: this.method.meta.name,
      rank: this.rank,
      // A streaming method makes one pass: each frame is one update.
      iterations: this.frames,
      converged: true,
      residual: 0,
      ...(this.foregroundFraction === undefined ? {} : { foregroundFraction: this.foregroundFraction }),
      decodeSeconds: this.decodeSeconds,
      factorizeSeconds: this.factorizeSeconds,
      streaming: {
        framesPerSecond: seconds > 0 ? this.frames / seconds : 0,
        stateBytes: this.diagnostics.stateBytes,
        stoppedEarly: this.stoppedEarly,
      },
    };
  }

  /** Writes the outputs from the kept 8-bit frames (a separation run with keepDisplay). */
  async writeOutputs(dir: string, options: WriteSeparationOptions = {}): Promise<string[]> {
    const display = this.display;
    if (!display)
      throw new Error('This streaming separation kept no frames: run it with out, or with keepDisplay.');
    const out = await createAtomicOutputDir(dir, {
      overwrite: options.overwrite ?? false,
      protect: [this.source],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const values = this.width * this.height * this.channels;
    const pixels = this.width * this.height;
    const writer = new SeparationWriter(
      out,
      {
        width: this.width,
        height: this.height,
        channels: this.channels as 1 | 3,
        fps: this.fps ?? 25,
        expectedFrames: this.frames,
        masks: display.mask !== undefined,
        videos: options.videos ?? true,
      },
      options.signal,
    );
    try {
      const original = new Float64Array(values);
      for (let f = 0; f < this.frames; f++) {
        const bytes = display.original.subarray(f * values, (f + 1) * values);
        for (let k = 0; k < values; k++) original[k] = bytes[k]! / 255;
        await writer.frame({
          name: this.frameNames[f]!,
          original,
          background: display.background.subarray(f * values, (f + 1) * values),
          foreground: display.foreground.subarray(f * values, (f + 1) * values),
          ...(display.mask ? { mask: display.mask.subarray(f * pixels, (f + 1) * pixels) } : {}),
        });
        if (f % 16 === 0)
          options.onProgress?.({ fraction: f / this.frames, message: `frame ${f + 1} of ${this.frames}` });
      }
      this.written = await writer.finish(this.summary());
      return [...this.written.files];
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  }
}

/** byte -> byte / 255 (a table, as readVideoMatrix decodes). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Decoded bytes to values in [0, 1]: a small function of its own, which V8 compiles tight. */
function bytesToUnit(bytes: Uint8Array, out: Float32Array): Float32Array {
  const table = BYTE_TO_UNIT;
  for (let k = 0; k < out.length; k++) out[k] = table[bytes[k]!]!;
  return out;
}

export interface StreamingRun {
  readonly method: AnyStreamingFactorizer;
  readonly methodOptions: Record<string, unknown>;
  readonly input: string;
  readonly plan: VideoSource;
  readonly out: AtomicOutputDir | undefined;
  readonly options: SeparateVideoOptions;
  readonly control: JobControl;
}

/** The method's options for this stream, validated (colour settled as for batch methods). */
export function streamingOptions(
  method: AnyStreamingFactorizer,
  options: SeparateVideoOptions,
): Record<string, unknown> {
  const given: Record<string, unknown> = { ...(options.methodOptions ?? {}) };
  if (options.rank !== undefined) given.rank = options.rank;
  return validateOptions(method.options, given) as Record<string, unknown>;
}

/**
 * Decodes, separates and writes frame by frame: memory stays bounded by the frame size (and the kept
 * display frames, when asked for), however long the video. With `keepPartial`, an abort ends the run
 * early and keeps the frames done; otherwise it removes everything and rethrows.
 */
export async function runStreamingSeparation(run: StreamingRun): Promise<StreamedSeparation> {
  const { method, plan, input, options, control, out } = run;
  const { signal } = control;
  const frame: FrameShape = { width: plan.width, height: plan.height, channels: plan.channels };
  const values = plan.width * plan.height * plan.channels;
  const pixels = plan.width * plan.height;
  // The method stops on its own signal only when the caller does not want the partial result.
  const methodAbort = new AbortController();
  const forward = () => methodAbort.abort(signal?.reason);
  if (!options.keepPartial) signal?.addEventListener('abort', forward, { once: true });
  const session = method.open(frame, run.methodOptions, {
    signal: methodAbort.signal,
    ...(control.onProgress ? { onProgress: control.onProgress } : {}),
  });
  const writer = out
    ? new SeparationWriter(
        out,
        {
          width: plan.width,
          height: plan.height,
          channels: plan.channels,
          fps: plan.fps ?? 25,
          expectedFrames: plan.frames,
          masks: options.masks ?? false,
          videos: options.videos ?? true,
        },
        options.keepPartial ? undefined : signal,
      )
    : undefined;
  const keep = options.keepDisplay ?? false;
  // The 8-bit background and foreground pictures, only when something writes or shows them
  // (a masks-only run skips them).
  const pictures =
    keep || control.onFrame !== undefined || (writer !== undefined && (options.videos ?? true));
  const picture = keep ? new MatrixPictureAccumulator(plan.frames, values, 480, 320) : undefined;
  const kept = {
    original: [] as Uint8Array[],
    background: [] as Uint8Array[],
    foreground: [] as Uint8Array[],
    mask: [] as Uint8Array[],
  };
  // Frames the method holds back keep only their 8-bit original here (a quarter of the float frame).
  const pending = new Map<number, { bytes: Uint8Array; name: string }>();
  const convertedOriginal = new Float32Array(values);
  const names: string[] = [];
  // One mask model for the whole stream (its noise levels and temporal state carry across frames),
  // on a thread of its own where one starts: frames wait in `queue` for their masks, in order.
  const masks = options.masks ? openMaskStage(frame) : undefined;
  const depth = masks?.depth ?? 0;
  // Background and foreground pictures for each frame that may wait in the queue.
  const picturePool: { background: Uint8Array<ArrayBuffer>; foreground: Uint8Array<ArrayBuffer> }[] =
    Array.from({ length: pictures ? depth + 1 : 0 }, () => ({
      background: new Uint8Array(values),
      foreground: new Uint8Array(values),
    }));
  let gain: number | undefined;
  let foregroundPixels = 0;
  let emitted = 0;
  let decodeSeconds = 0;
  let separateSeconds = 0;
  let stoppedEarly = false;
  const runStarted = performance.now();

  interface QueuedFrame {
    readonly index: number;
    readonly name: string;
    readonly bytes: Uint8Array;
    readonly original: Float32Array;
    readonly pictures: (typeof picturePool)[number] | undefined;
    readonly mask: Promise<StreamedMask> | undefined;
  }
  const queue: QueuedFrame[] = [];
  // Writes the oldest queued frame once its mask is there.
  const finishOldest = async () => {
    const queued = queue.shift()!;
    const streamed = await queued.mask;
    const mask = streamed?.mask;
    const background = queued.pictures?.background ?? EMPTY_BYTES;
    const foreground = queued.pictures?.foreground ?? EMPTY_BYTES;
    if (streamed) foregroundPixels += streamed.count;
    // A copy for whoever keeps the mask: its array goes round (and may be shared memory, which a
    // message would share rather than copy).
    const maskCopy = mask && (control.onFrame || keep) ? mask.slice() : undefined;
    await writer?.frame({
      name: queued.name,
      original: queued.original,
      background,
      foreground,
      ...(mask ? { mask } : {}),
    });
    control.onFrame?.({
      index: queued.index,
      width: plan.width,
      height: plan.height,
      channels: plan.channels,
      original: queued.bytes,
      background,
      foreground,
      ...(maskCopy ? { mask: maskCopy } : {}),
    });
    if (keep) {
      kept.original.push(queued.bytes);
      kept.background.push(background.slice());
      kept.foreground.push(foreground.slice());
      if (maskCopy) kept.mask.push(maskCopy);
    }
    if (streamed) masks!.release(streamed);
    if (queued.pictures) picturePool.push(queued.pictures);
    emitted++;
    picture?.add(emitted - 1, queued.original);
    control.onProgress?.({
      ...(plan.frames > 0 ? { fraction: Math.min(1, emitted / plan.frames) } : {}),
      message: `${emitted} frames, ${(emitted / Math.max(1e-3, (performance.now() - runStarted) / 1000)).toFixed(0)} frames/s`,
    });
  };

  // The frame pushed last, as pushed: a frame that comes straight back out is read there (push()
  // never writes into its input; the conformance kit checks that), not converted again.
  let lastPushed: { index: number; values: Float32Array } | undefined;
  const emit = async (separated: readonly SeparatedFrame[]) => {
    for (const f of separated) {
      const source = pending.get(f.index);
      if (!source)
        throw new Error(
          `method "${method.meta.name}" returned frame ${f.index}, which it was never given or gave twice.`,
        );
      pending.delete(f.index);
      // A frame that waits in the queue keeps its own float copy.
      const original =
        lastPushed?.index === f.index
          ? lastPushed.values
          : bytesToUnit(source.bytes, depth > 0 ? new Float32Array(values) : convertedOriginal);
      let framePictures: QueuedFrame['pictures'];
      if (pictures) {
        framePictures = picturePool.pop()!;
        // |S| drawn white at its 99.5th percentile, followed smoothly from frame to frame.
        const q = absQuantile(f.sparse, FOREGROUND_WHITE_QUANTILE) || 1;
        gain = gain === undefined ? 1 / q : (1 - GAIN_FOLLOW_RATE) * gain + GAIN_FOLLOW_RATE / q;
        unitToBytes(f.lowRank, framePictures.background);
        magnitudeToBytes(f.sparse, gain, framePictures.foreground);
      }
      const mask = masks?.submit(session, f, original);
      // Marked as handled here: a failure surfaces when the frame is finished (or the run ends).
      mask?.catch(() => {});
      queue.push({
        index: f.index,
        name: source.name,
        bytes: source.bytes,
        original,
        pictures: framePictures,
        mask,
      });
      while (queue.length > depth) await finishOldest();
    }
  };

  try {
    control.onStage?.('separate');
    let index = 0;
    let last = performance.now();
    for await (const decoded of decodeFrames(
      plan,
      options.keepPartial ? undefined : signal,
      control.onWarning,
    )) {
      const now = performance.now();
      decodeSeconds += (now - last) / 1000;
      if (signal?.aborted) {
        if (!options.keepPartial) throwIfAborted(signal);
        stoppedEarly = true;
        break;
      }
      const floats = bytesToUnit(decoded.data, new Float32Array(values));
      const name = decoded.name ?? `frame-${String(decoded.sourceIndex + 1).padStart(6, '0')}`;
      names.push(name);
      pending.set(index, { bytes: decoded.data, name });
      lastPushed = { index, values: floats };
      const started = performance.now();
      const separated = await session.push(floats);
      separateSeconds += (performance.now() - started) / 1000;
      await emit(separated);
      index++;
      last = performance.now();
    }
    const started = performance.now();
    await emit(await session.finish());
    while (queue.length > 0) await finishOldest();
    separateSeconds += (performance.now() - started) / 1000;
    const diagnostics = session.diagnostics();
    const result = new StreamedSeparation({
      source: input,
      method,
      width: plan.width,
      height: plan.height,
      channels: plan.channels,
      fps: plan.fps,
      frameNames: names.slice(0, emitted),
      diagnostics,
      backgroundPlate: Float64Array.from(session.background()),
      decodeSeconds,
      factorizeSeconds: separateSeconds,
      display: keep
        ? {
            original: concat(kept.original, emitted * values),
            background: concat(kept.background, emitted * values),
            foreground: concat(kept.foreground, emitted * values),
            mask: options.masks ? concat(kept.mask, emitted * pixels) : undefined,
            matrixPicture: picture!.pictureBytes(stoppedEarly ? emitted : undefined),
          }
        : undefined,
      foregroundFraction: options.masks && emitted > 0 ? foregroundPixels / (emitted * pixels) : undefined,
      stoppedEarly,
    });
    if (writer) result.written = await writer.finish(result.summary());
    return result;
  } catch (error) {
    await writer?.abort(error);
    throw error;
  } finally {
    masks?.close();
    signal?.removeEventListener('abort', forward);
  }
}

const EMPTY_BYTES = new Uint8Array(0);

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
