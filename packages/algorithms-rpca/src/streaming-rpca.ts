import {
  API_VERSION,
  defineStreamingFactorizer,
  type FrameShape,
  InvalidInputError,
  type MatrixData,
  type OptionsSpec,
  type RunControl,
  type SeparatedFrame,
  type StreamingDiagnostics,
  type StreamingSeparation,
  throwIfAborted,
  validateOptions,
} from '@lowrank/core';
import { IncrementalPcp, type IncrementalPcpOptions } from './incremental-pcp.js';
import { allFinite, copyFrame } from './incremental-pcp-kernels.js';

export type StreamingRpcaOptions = IncrementalPcpOptions;

/** A separated frame of streaming-rpca: float32 arrays. */
export interface StreamingRpcaFrame extends SeparatedFrame {
  readonly lowRank: Float32Array;
  readonly sparse: Float32Array;
}

export const streamingRpcaOptionsSpec: OptionsSpec<StreamingRpcaOptions> = {
  rank: {
    type: 'integer',
    default: 3,
    min: 1,
    max: 64,
    description:
      'Largest rank of the background: 1 follows one scene getting brighter or darker; more also follows several lighting patterns and small camera shakes.',
  },
  halfLife: {
    type: 'number',
    default: 30,
    min: 1,
    max: 1e6,
    description:
      "How fast the background forgets, in frames: a frame's weight halves every halfLife frames, and a lasting change (a parked car leaving) joins the background within about two half-lives.",
  },
  threshold: {
    type: 'number',
    default: 3,
    min: 0,
    max: 1000,
    description:
      'A value is foreground when it differs from the background by more than this many of its own noise levels (each pixel learns how much it flickers).',
  },
  initFrames: {
    type: 'integer',
    default: 20,
    min: 0,
    max: 10000,
    description:
      'Frames held back at the start: their median starts the background, and they come out once the model has seen them all (0: start from the first frame).',
  },
  samplePixels: {
    type: 'integer',
    default: 4096,
    min: 16,
    max: 1e9,
    description:
      "Values drawn at random once; each frame's background coefficients are fitted on them (all values when the frame has fewer).",
  },
  seed: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 2 ** 31 - 1,
    description: 'Seed of the random sample of values.',
  },
};

function checkFrameShape(frame: FrameShape): number {
  const parts = [frame?.width, frame?.height, frame?.channels];
  if (!parts.every((v) => Number.isInteger(v) && (v as number) > 0)) {
    throw new InvalidInputError(
      `A frame shape needs whole, positive width, height and channels; got ${JSON.stringify(frame)}.`,
    );
  }
  return frame.width * frame.height * frame.channels;
}

/** Bytes a separation holds at its peak for frames of this shape (see StreamingFactorizer). */
export function estimateStreamingRpcaBytes(
  frame: FrameShape,
  options: Partial<StreamingRpcaOptions> = {},
): number {
  const settings = validateOptions(streamingRpcaOptionsSpec, options);
  const values = checkFrameShape(frame);
  const rank = Math.min(settings.rank, values);
  const sample = Math.min(settings.samplePixels, values);
  // Basis, noise levels, inlier residual, the two output frames, background and noise-level frames;
  // the sample's indices, gathered values, levels and basis rows; its selection marks (once); small
  // rank x rank matrices.
  const steady = values * 4 * (rank + 6) + sample * 4 * (3 + rank) + values + 64 * (rank + 1) ** 2 + 1024;
  // At the end of the initialization: the held frames (their lowRank in place) and their sparse parts.
  const initialization = 2 * settings.initFrames * values * 4;
  return steady + initialization;
}

/**
 * A separation in progress (the StreamingSeparation of the streaming-rpca plugin). Its push() and
 * finish() return synchronously; frames come out as float32 arrays.
 */
export class StreamingRpcaSeparation implements StreamingSeparation {
  private readonly model: IncrementalPcp;
  private readonly values: number;
  private readonly run: RunControl | undefined;
  private readonly initFrames: number;
  private held: Float32Array[] = [];
  private pushed = 0;
  private emitted = 0;
  private milliseconds = 0;
  private readonly lowRank: Float32Array;
  private readonly sparse: Float32Array;
  private backgroundFrame: Float32Array | undefined;
  private noiseFrame: Float32Array | undefined;

  constructor(values: number, settings: StreamingRpcaOptions, run: RunControl | undefined) {
    this.values = values;
    this.run = run;
    this.initFrames = settings.initFrames;
    this.model = new IncrementalPcp(values, settings);
    this.lowRank = new Float32Array(values);
    this.sparse = new Float32Array(values);
  }

  push(frame: MatrixData): readonly StreamingRpcaFrame[] {
    throwIfAborted(this.run?.signal);
    const index = this.pushed;
    if (frame?.length !== this.values) {
      throw new InvalidInputError(
        `frame ${index} has ${frame?.length} values; this separation was opened for ${this.values}.`,
        { hint: 'Every frame of a stream must have the size given to open(); resize frames before pushing.' },
      );
    }
    const start = performance.now();
    const model = this.model;
    // A float32 frame is read where it is once the model runs; others are copied into float32.
    const inPlace = model.started && frame instanceof Float32Array;
    const target = inPlace
      ? frame
      : model.started || this.initFrames === 0
        ? this.lowRank
        : new Float32Array(this.values);
    if (!(inPlace ? allFinite(frame) : copyFrame(frame, target))) {
      throw new InvalidInputError(
        `frame ${index} has a value that is not a finite number (NaN or infinity).`,
        {
          hint: 'The frame may be corrupt; frames hold values in [0, 1].',
        },
      );
    }
    this.pushed++;
    let out: StreamingRpcaFrame[];
    if (model.started) {
      out = [this.separate(target, this.lowRank, this.sparse)];
    } else if (this.initFrames === 0) {
      model.startFrom(target);
      out = [this.separate(target, this.lowRank, this.sparse)];
    } else {
      this.held.push(target);
      out = this.held.length < this.initFrames ? [] : this.initialize();
    }
    this.milliseconds += performance.now() - start;
    return out;
  }

  finish(): readonly StreamingRpcaFrame[] {
    throwIfAborted(this.run?.signal);
    const start = performance.now();
    const out = this.held.length ? this.initialize() : [];
    this.milliseconds += performance.now() - start;
    return out;
  }

  background(): Float32Array {
    this.backgroundFrame ??= new Float32Array(this.values);
    return this.model.background(this.backgroundFrame);
  }

  noiseLevel(): Float32Array {
    this.noiseFrame ??= new Float32Array(this.values);
    return this.model.noiseLevel(this.noiseFrame);
  }

  diagnostics(): StreamingDiagnostics {
    const frames = this.held.length * this.values * 4;
    const outputs =
      this.lowRank.byteLength +
      this.sparse.byteLength +
      (this.backgroundFrame?.byteLength ?? 0) +
      (this.noiseFrame?.byteLength ?? 0);
    return {
      frames: this.emitted,
      rank: this.model.rank,
      stateBytes: this.model.bytes + outputs + frames,
      milliseconds: this.milliseconds,
    };
  }

  /** Starts the model on the held frames and separates them, in order, each into arrays of its own. */
  private initialize(): StreamingRpcaFrame[] {
    const signal = this.run?.signal;
    const held = this.held;
    this.model.initialize(held, this.lowRank, this.sparse, () => throwIfAborted(signal));
    const out: StreamingRpcaFrame[] = [];
    for (const frame of held) {
      throwIfAborted(signal);
      // lowRank overwrites the held copy of the frame; sparse gets an array of its own.
      out.push(this.separate(frame, frame, new Float32Array(this.values)));
    }
    this.held = [];
    return out;
  }

  private separate(frame: Float32Array, lowRank: Float32Array, sparse: Float32Array): StreamingRpcaFrame {
    const outliers = this.model.separate(frame, lowRank, sparse);
    const index = this.emitted++;
    this.run?.onProgress?.({ iteration: index + 1, rank: this.model.rank, sparsity: outliers / this.values });
    return { index, lowRank, sparse };
  }
}

/** Opens a streaming-rpca separation with validated options (the plugin's open(), typed). */
export function openStreamingRpca(
  frame: FrameShape,
  options?: Partial<StreamingRpcaOptions>,
  run?: RunControl,
): StreamingRpcaSeparation {
  const settings = validateOptions(streamingRpcaOptionsSpec, options);
  const values = checkFrameShape(frame);
  throwIfAborted(run?.signal);
  return new StreamingRpcaSeparation(values, settings, run);
}

/**
 * The `streaming-rpca` plugin: a video of any length split into background and foreground as it
 * plays, in memory bounded by the frame size (incremental PCP, see incremental-pcp.ts).
 */
export const streamingRpca = defineStreamingFactorizer<StreamingRpcaOptions>({
  meta: {
    name: 'streaming-rpca',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'Streaming robust PCA (incremental PCP)',
    description:
      'Splits a fixed-camera video into background and foreground one frame at a time, in constant memory: a low-rank background tracked by incremental SVD with forgetting, and per-pixel noise levels that decide what is foreground.',
  },
  kind: 'streaming',
  options: streamingRpcaOptionsSpec,
  open: (frame, options, run) => openStreamingRpca(frame, options, run),
  estimateWorkingBytes: (frame, options) => estimateStreamingRpcaBytes(frame, options),
});
