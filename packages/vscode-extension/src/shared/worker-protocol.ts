/**
 * Host <-> worker thread messages. Every request carries an id; the worker answers with exactly one
 * `done` or `failed` for it, and any number of `progress` messages before. Cancel is not a message
 * here: the host terminates the worker, which stops the work at once, wherever it is.
 */
import type {
  ChannelFactors,
  CompressionResultInfo,
  ErrorInfo,
  ImageInfo,
  MethodInfo,
  OptionValues,
  PluginErrorInfo,
  ProgressInfo,
  QualityInfo,
  SeparationResultInfo,
  VideoProbeInfo,
} from './protocol.js';

export interface WorkerConfig {
  /** Explicit ffmpeg executable (lowrank.ffmpegPath), or undefined to let @lowrank/io discover one. */
  readonly ffmpegPath?: string;
  /** Extra plugin modules to load (already filtered by workspace trust). */
  readonly pluginModules: readonly string[];
  /** Folder relative plugin paths resolve against. */
  readonly pluginBase: string;
  readonly memoryBudgetBytes: number;
  /** Rank the compression preview reports first where the method's own default rank is auto. */
  readonly defaultRank: number;
}

export type WorkerRequest =
  | { readonly type: 'methods' }
  | {
      readonly type: 'compress';
      readonly file: string;
      readonly method: string;
      readonly options: OptionValues;
      readonly colour: boolean;
      readonly rankCap: number;
    }
  | { readonly type: 'quality'; readonly rank: number }
  | { readonly type: 'reconstruct'; readonly rank: number }
  | { readonly type: 'savePng'; readonly rank: number; readonly target: string }
  | { readonly type: 'probeVideo'; readonly file: string }
  | {
      readonly type: 'separate';
      readonly file: string;
      readonly method: string;
      readonly options: OptionValues;
      readonly colour: boolean;
      readonly scale: number;
      readonly startFrame: number;
      readonly frameCount: number;
    }
  /** Writes the separation's outputs into `folder`, a new folder created atomically. */
  | { readonly type: 'export'; readonly folder: string };

/** What each request resolves to. */
export interface WorkerResults {
  methods: { methods: MethodInfo[]; pluginErrors: PluginErrorInfo[] };
  /** The image went ahead as a partial result. */
  compress: { result: CompressionResultInfo };
  quality: QualityInfo;
  reconstruct: { rank: number; pixels: Float32Array };
  savePng: { file: string };
  probeVideo: VideoProbeInfo;
  separate: SeparationResultInfo;
  export: { files: string[] };
}

export type WorkerRequestEnvelope = { readonly id: number; readonly request: WorkerRequest };

/**
 * Host -> worker. `abort` is handled at once (not queued): it aborts the signal of the request
 * that is running, for work that can stop cleanly by itself (export: ffmpeg is killed and partial
 * files removed) and should keep the worker's cached results.
 */
export type HostToWorker = WorkerRequestEnvelope | { readonly type: 'abort' };

/** What a compression shows before it finishes: the original at once, then a first preview. */
export type PartialResult =
  | { readonly kind: 'image'; readonly image: ImageInfo }
  | { readonly kind: 'preview'; readonly factors: readonly ChannelFactors[] };

export type WorkerMessage =
  | { readonly type: 'progress'; readonly id: number; readonly progress: ProgressInfo }
  | { readonly type: 'partial'; readonly id: number; readonly partial: PartialResult }
  | { readonly type: 'done'; readonly id: number; readonly result: unknown }
  | { readonly type: 'failed'; readonly id: number; readonly error: ErrorInfo };
